using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aligner.Tokenization;

/// <summary>
/// Reads the older GPT-2-style pair <c>vocab.json</c> + <c>merges.txt</c> (a byte-level BPE), with the added tokens of
/// <c>tokenizer_config.json</c>'s <c>added_tokens_decoder</c> and its special tokens, into a <see cref="HuggingFaceTokenizer"/>
/// whose <see cref="HuggingFaceTokenizer.Save"/> writes a <c>tokenizer.json</c>.
/// </summary>
internal static class VocabMergesReader
{
    public const string VocabFileName = "vocab.json";
    public const string MergesFileName = "merges.txt";

    public static HuggingFaceTokenizer Read(string folder, TokenizerSettings settings)
    {
        var vocabPath = Path.Combine(folder, VocabFileName);
        var mergesPath = Path.Combine(folder, MergesFileName);
        var vocabulary = ReadVocabulary(vocabPath);
        var merges = ReadMerges(mergesPath, vocabulary);
        var (added, addPrefixSpace) = ReadConfig(Path.Combine(folder, TokenizerSettings.ConfigFileName));
        foreach (var special in new[] { settings.BosToken, settings.EosToken, settings.UnkToken, settings.PadToken })
            if (special is not null && !added.Exists(t => t.Content == special) && vocabulary.TryGetValue(special, out var id))
                added.Add(new AddedToken(id, special, false, false, false, false, Special: true));

        var json = ByteLevelBpeJson.Write(vocabulary, merges, added, addPrefixSpace);
        return TokenizerJsonReader.Read(json, vocabPath, settings, TokenizerSource.InMemory(json));
    }

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, null, "expected a JSON object of token ids");
            var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (!entry.Value.TryGetInt32Safe(out var id) || id < 0 || id > TokenizerJsonReader.MaxTokenId)
                    throw new ModelFormatException(path, entry.Name, "is not a token id");
                vocabulary[entry.Name] = id;
            }
            return vocabulary;
        }
        catch (JsonException e) { throw new ModelFormatException(path, null, "not valid JSON: " + e.Message, e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ModelFormatException(path, null, "cannot be read: " + e.Message, e); }
    }

    private static List<(string Left, string Right)> ReadMerges(string path, Dictionary<string, int> vocabulary)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ModelFormatException(path, null, "cannot be read: " + e.Message, e); }
        var merges = new List<(string, string)>(lines.Length);
        for (int n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            if (line.Length == 0 || (n == 0 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new ModelFormatException(path, $"line {n + 1}", "expected two tokens separated by one space");
            if (!vocabulary.ContainsKey(parts[0]) || !vocabulary.ContainsKey(parts[1]) || !vocabulary.ContainsKey(parts[0] + parts[1]))
                throw new ModelFormatException(path, $"line {n + 1}", $"merge '{line}' uses a token that is not in {VocabFileName}");
            merges.Add((parts[0], parts[1]));
        }
        return merges;
    }

    private static (List<AddedToken> Added, bool AddPrefixSpace) ReadConfig(string path)
    {
        var added = new List<AddedToken>();
        if (!File.Exists(path)) return (added, false);
        try
        {
            var config = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            bool addPrefixSpace = config?["add_prefix_space"] is JsonValue p && p.GetValueKind() == JsonValueKind.True;
            if (config?["added_tokens_decoder"] is JsonObject decoder)
                foreach (var (key, value) in decoder)
                {
                    if (!int.TryParse(key, out var id) || id < 0 || id > TokenizerJsonReader.MaxTokenId || value is not JsonObject t || t["content"] is not JsonValue content || content.GetValueKind() != JsonValueKind.String)
                        throw new ModelFormatException(path, $"added_tokens_decoder.{key}", "expected a token id and an object with 'content'");
                    bool Flag(string name) => t[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;
                    added.Add(new AddedToken(id, content.GetValue<string>(), Flag("single_word"), Flag("lstrip"), Flag("rstrip"), Flag("normalized"), Flag("special")));
                }
            return (added, addPrefixSpace);
        }
        catch (JsonException e) { throw new ModelFormatException(path, null, "not valid JSON: " + e.Message, e); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            throw new ModelFormatException(path, null, "malformed: " + e.Message, e);
        }
    }

    private static bool TryGetInt32Safe(this JsonElement element, out int value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out value);
    }
}
