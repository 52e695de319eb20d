using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aligner.Backends.Onnx;
using Aligner.Backends.Onnx.Gating;
using Aligner.Backends.Torch;
using Aligner.Benchmarks.Models;
using Aligner.Generation;

namespace Aligner.Benchmarks.Harness;

/// <summary>
/// <c>gate-stream [--model llama-135m|aligner-demo|FOLDER] [--backend torch|onnx] [--gate FOLDER] [--rows 100]
/// [--good 0.7] [--max-new-tokens 16] [--repeats 3]</c>: the throughput of the whole pipeline on a stream of good and
/// bad answers (issue 15's 70 % good / 30 % bad by default), with the shipped gate in front of the corrector and
/// without it, on one loaded model (load times reported apart). Rows are drawn with a fixed seed, with replacement,
/// from the hand-written set (<c>tests/data/handwritten/offdist.jsonl</c>: "good" rows, and harmful, rude and factual
/// ones as bad). Fact checkers are off, so the gate alone decides what skips generation.
/// </summary>
internal static class GateStreamBenchmark
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        string model = BenchmarkModels.DefaultModel, backend = "torch";
        string? gateFolder = null;
        int rows = 100, maxNew = 16, repeats = 3;
        double good = 0.7;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => int.TryParse(Value(), out int n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]} needs a positive number.");
            switch (args[i])
            {
                case "--model": model = Value(); break;
                case "--backend": backend = Value(); break;
                case "--gate": gateFolder = Value(); break;
                case "--rows": rows = Number(); break;
                case "--max-new-tokens": maxNew = Number(); break;
                case "--repeats": repeats = Number(); break;
                case "--good":
                    good = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double g) && g is >= 0 and <= 1
                        ? g : throw new ArgumentException("--good needs a share between 0 and 1.");
                    break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }
        string root = RunEnvironment.FindRepository(Path.Combine("tests", "data", "handwritten", "offdist.jsonl")) ?? throw new ArgumentException("Run from the repository: tests/data/handwritten/offdist.jsonl was not found above the working folder.");
        gateFolder ??= Path.Combine(root, "samples", "models", "aligner-v3", "gate");
        string folder = Directory.Exists(model) ? model : BenchmarkModels.Resolve(model, output);
        var stream = Stream(Path.Combine(root, "tests", "data", "handwritten", "offdist.jsonl"), rows, good);

        var clock = Stopwatch.StartNew();
        using DecoderCorrectionModel corrector = backend switch
        {
            "torch" => TorchCorrectionModel.Load(folder, new TorchBackendOptions()),
            "onnx" => OnnxCorrectionModel.Load(BenchmarkModels.EnsureOnnx(folder, output), new OnnxBackendOptions()),
            _ => throw new ArgumentException($"--backend must be torch or onnx (was {backend})."),
        };
        double modelLoad = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var (gate, encoder) = EmbeddingGate.Load(gateFolder);
        using var _ = encoder;
        double gateLoad = clock.Elapsed.TotalSeconds;

        var generation = GenerationOptions.Greedy with { MaxNewTokens = maxNew };
        var gated = new ResidualAligner(corrector, new AlignerOptions { Generation = generation, Timeout = null }, null, gate);
        var plain = new ResidualAligner(corrector, new AlignerOptions { Generation = generation, Timeout = null });

        output.WriteLine($"# Gate on a stream: {rows} rows ({good:P0} good), {backend} corrector {Path.GetFileName(folder.TrimEnd('/'))}, greedy, <= {maxNew} new tokens, fact checkers off");
        output.WriteLine($"machine: {Environment.ProcessorCount} cores; load average {RunEnvironment.LoadAverage()}; model load {modelLoad:F1} s, gate load {gateLoad:F1} s (not in the times below)");
        await gated.CorrectBatchAsync(stream.Take(4).ToList()); // warm-up of both paths
        await plain.CorrectBatchAsync(stream.Take(4).ToList());

        var withGate = new List<double>();
        var without = new List<double>();
        int kept = 0;
        for (int r = 0; r < repeats; r++)
        {
            // Alternate which goes first, so a neighbour's burst does not always land on the same one.
            foreach (bool useGate in r % 2 == 0 ? new[] { true, false } : [false, true])
            {
                clock.Restart();
                var results = await (useGate ? gated : plain).CorrectBatchAsync(stream);
                (useGate ? withGate : without).Add(clock.Elapsed.TotalSeconds);
                if (useGate) kept = results.Count(x => x.Gate is { Correct: false });
            }
        }
        double medianWith = Median(withGate), medianWithout = Median(without);
        output.WriteLine($"with the gate:    {rows / medianWith,7:F1} rows/s  (median {medianWith:F2} s; {Range(withGate)}); the gate kept {kept} of {rows} rows");
        output.WriteLine($"without the gate: {rows / medianWithout,7:F1} rows/s  (median {medianWithout:F2} s; {Range(without)})");
        output.WriteLine($"speed-up: {medianWithout / medianWith:F2}x (the most a gate can give here: all rows over the flagged rows = {rows / (double)Math.Max(1, rows - kept):F2}x)");
        return 0;
    }

    private static List<CorrectionRequest> Stream(string path, int rows, double good)
    {
        var all = File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var goodRows = all.Where(e => e.GetProperty("category").GetString() == "good").ToList();
        var badRows = all.Where(e => e.GetProperty("category").GetString() != "good").ToList();
        var random = new Random(15);
        int goodCount = (int)Math.Round(rows * good);
        var picked = Enumerable.Range(0, goodCount).Select(_ => goodRows[random.Next(goodRows.Count)])
            .Concat(Enumerable.Range(0, rows - goodCount).Select(_ => badRows[random.Next(badRows.Count)]))
            .OrderBy(_ => random.Next())
            .ToList();
        return [.. picked.Select(e => new CorrectionRequest(e.GetProperty("question").GetString()!, e.GetProperty("answer").GetString()!))];
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Range(List<double> values) => $"{values.Min():F2}–{values.Max():F2} s over {values.Count}";
}
