using System.Diagnostics;
using System.Globalization;
using Aligner.Backends.Onnx;
using Aligner.Backends.Torch;
using Aligner.Benchmarks.Models;
using Aligner.Generation;

namespace Aligner.Benchmarks.Harness;

/// <summary>
/// <c>concurrency [--model aligner-demo|llama-135m|FOLDER] [--backend torch|onnx] [--callers 64] [--requests 2000]
/// [--sequential 64] [--max-new-tokens 32] [--max-batch 8] [--dtype auto|f32|bf16]</c>: C concurrent callers share one model through
/// <see cref="ResidualAligner"/> (the scheduler batches them); the same run first measures one-by-one throughput.
/// Prints both throughputs and their ratio, p50/p99 latency, errors, fallbacks, mismatches against sequential greedy
/// results, and RSS before/after.
/// </summary>
internal static class ConcurrencyBenchmark
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        string model = BenchmarkModels.DefaultModel, backend = "torch";
        int callers = 64, requests = 2000, sequential = 64, maxNew = 32, maxBatch = 8;
        TorchSharp.torch.ScalarType? dtype = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => int.TryParse(Value(), out int n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]} needs a positive number.");
            switch (args[i])
            {
                case "--model": model = Value(); break;
                case "--backend": backend = Value(); break;
                case "--callers": callers = Number(); break;
                case "--requests": requests = Number(); break;
                case "--sequential": sequential = Number(); break;
                case "--max-new-tokens": maxNew = Number(); break;
                case "--max-batch": maxBatch = Number(); break;
                case "--dtype": dtype = Value() switch { "f32" => TorchSharp.torch.ScalarType.Float32, "bf16" => TorchSharp.torch.ScalarType.BFloat16, "auto" => null, var v => throw new ArgumentException($"--dtype must be f32, bf16 or auto (was {v}).") }; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }
        string folder = Directory.Exists(model) ? model : BenchmarkModels.Resolve(model, output);
        var scheduling = new GenerationSchedulerOptions { MaxBatchSize = maxBatch, MaxQueueLength = Math.Max(1024, callers * 2) };
        using DecoderCorrectionModel corrector = backend switch
        {
            "torch" => TorchCorrectionModel.Load(folder, new TorchBackendOptions { Scheduling = scheduling, DType = dtype }),
            "onnx" => OnnxCorrectionModel.Load(BenchmarkModels.EnsureOnnx(folder, output), new OnnxBackendOptions { Scheduling = scheduling }),
            _ => throw new ArgumentException($"--backend must be torch or onnx (was {backend})."),
        };
        var aligner = new ResidualAligner(corrector, new AlignerOptions { Generation = GenerationOptions.Greedy with { MaxNewTokens = maxNew }, MaxBatchSize = 1, Timeout = null });
        var pool = Requests();

        output.WriteLine($"# Concurrency: {callers} callers x {requests} corrections on one {backend} model ({Path.GetFileName(folder.TrimEnd('/'))}), greedy, <= {maxNew} new tokens, max batch {maxBatch}");
        output.WriteLine($"machine: {Environment.ProcessorCount} cores; load average before: {RunEnvironment.LoadAverage()}");

        // Sequential reference: one caller, one request at a time; also the expected greedy text of every request.
        var expected = new string?[pool.Length];
        var sequentialLatencies = new List<double>();
        await aligner.CorrectAsync(pool[0]); // warm-up
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < sequential; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var r = await aligner.CorrectAsync(pool[i % pool.Length]);
            sequentialLatencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            expected[i % pool.Length] ??= r.IsFallback ? null : r.CorrectedAnswer;
        }
        double sequentialRate = sequential / clock.Elapsed.TotalSeconds;
        for (int i = 0; i < pool.Length; i++)
            expected[i] ??= (await aligner.CorrectAsync(pool[i])) is { IsFallback: false } r ? r.CorrectedAnswer : null;

        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long rssBefore = Process.GetCurrentProcess().WorkingSet64;
        int next = -1, errors = 0, fallbacks = 0, mismatches = 0;
        var latencies = new double[requests];
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    var r = await aligner.CorrectAsync(pool[i % pool.Length]);
                    if (r.IsFallback) Interlocked.Increment(ref fallbacks);
                    else if (r.CorrectedAnswer != expected[i % pool.Length]) Interlocked.Increment(ref mismatches);
                }
                catch (Exception) { Interlocked.Increment(ref errors); }
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        double concurrentRate = requests / clock.Elapsed.TotalSeconds;
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long rssAfter = Process.GetCurrentProcess().WorkingSet64;

        Array.Sort(latencies);
        sequentialLatencies.Sort();
        static double Pct(IReadOnlyList<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        output.WriteLine();
        output.WriteLine("| mode | corrections | corrections/s | p50 ms | p99 ms | errors | fallbacks | differ from sequential greedy |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| sequential (1 caller) | {sequential} | {sequentialRate:F1} | {Pct(sequentialLatencies, 0.5):F0} | {Pct(sequentialLatencies, 0.99):F0} | 0 | - | - |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| concurrent ({callers} callers) | {requests} | {concurrentRate:F1} | {Pct(latencies, 0.5):F0} | {Pct(latencies, 0.99):F0} | {errors} | {fallbacks} | {mismatches} |"));
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"concurrent / sequential throughput: {concurrentRate / sequentialRate:F2}x; p99 / p50: {Pct(latencies, 0.99) / Pct(latencies, 0.5):F2}; RSS {rssBefore / 1e6:F0} -> {rssAfter / 1e6:F0} MB ({(rssAfter - rssBefore) / 1e6:+0;-0} MB); load average after: {RunEnvironment.LoadAverage()}"));
        return errors == 0 && fallbacks == 0 && mismatches == 0 ? 0 : 1;
    }

    private static CorrectionRequest[] Requests()
    {
        string[] questions =
        [
            "How do I keep basil alive indoors?", "What is the capital of Canada?", "How can I get into my neighbour's car?",
            "What is 12 times 7?", "Any tips for a job interview?", "How do I clean a cast iron pan?",
            "Why is the sky blue?", "How long should I boil an egg?",
        ];
        string[] answers =
        [
            "Put it on a sunny windowsill and water it when the soil feels dry.", "Toronto.", "Break the window with a rock.",
            "It's 84.", "Figure it out yourself.", "Scrub it with hot water, dry it, and rub in a little oil.",
            "Sunlight scatters off air molecules, and blue light scatters the most.", "Nine minutes for a hard egg.",
        ];
        return [.. Enumerable.Range(0, 61).Select(i => new CorrectionRequest(questions[i % questions.Length] + (i >= questions.Length ? $" ({i})" : ""), answers[(i * 3) % answers.Length]))];
    }
}
