using System.Globalization;
using Aligner.Benchmarks.Measurement;
using Aligner.Benchmarks.Models;
using Aligner.Checkpoints;

namespace Aligner.Benchmarks.Harness;

/// <summary>
/// Measures, in one run and on the same weights, the Torch and ONNX backends and llama.cpp (GGUF f32 and f16; opt-in:
/// ONNX with int8 MatMulNBits projections and GGUF Q8_0): prefill
/// tokens/s, batch-1 decode tokens/s and batched decode throughput, with the machine's memory bandwidth and f32 GEMM
/// peak measured in the same run, so that each speed is also a share of its limit. Prints a table and writes a
/// markdown file and a PNG chart. Backends never run concurrently; each repeat times every backend in turn, each in a
/// process of its own unless <see cref="HarnessOptions.Isolated"/> is off (so a
/// shared machine's background load falls on all of them alike); the report gives each figure's median over the repeats
/// and its range.
/// </summary>
public sealed class SideBySideHarness
{
    /// <summary>Runs the measurements.</summary>
    /// <param name="options">What to measure.</param>
    /// <param name="log">Progress and the final table.</param>
    /// <param name="cancellationToken">Stops between measurements.</param>
    public Task<HarnessReport> RunAsync(HarnessOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        options.Validate();
        return Task.Run(() => Run(options, log, cancellationToken), cancellationToken);
    }

    private static HarnessReport Run(HarnessOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var checkpoint = BenchmarkModels.Resolve(options.Model, log);
        var config = CheckpointFolder.Open(checkpoint).Config;
        var size = ModelSize.Of(config);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Model {checkpoint}: {config} ({size.TotalParameters / 1e6:F1}M parameters); {options.Threads} threads."));

        MachineLimits? limits = null;
        void MeasureLimits()
        {
            if (!options.MeasureLimits) return;
            var measured = MachineLimits.Measure(options.Threads);
            limits = limits is null ? measured : limits.Max(measured);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  limits: read {measured.VectorReadBytesPerSecond / 1e9:F1} GB/s, GEMV {measured.GemvBytesPerSecond / 1e9:F1} GB/s, GEMM {measured.GemmFlopsPerSecond / 1e9:F0} GFLOP/s"));
        }

        System.Diagnostics.Process? coTenant = null;
        List<BackendMeasurement> results;
        try
        {
            if (options.CoTenantThreads > 0)
            {
                coTenant = IsolatedRun.StartSelf([IsolatedRun.BusyCommand, options.CoTenantThreads.ToString(CultureInfo.InvariantCulture)]);
                log.WriteLine($"Co-tenant: process {coTenant.Id} keeps {options.CoTenantThreads} threads busy until the timings end.");
            }
            results = options.TrainingOnly ? []
                : options.Isolated
                ? MeasureIsolated(options, checkpoint, MeasureLimits, log, cancellationToken)
                : MeasureInProcess(options, checkpoint, Workload.Of(config, options), MeasureLimits, log, cancellationToken);
        }
        finally
        {
            if (coTenant is not null)
            {
                try { coTenant.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                coTenant.Dispose();
            }
        }

        if (options.TrainingOnly) MeasureLimits();
        var (training, trainingError) = TrainingThroughput.Measure(checkpoint, options, log, cancellationToken);
        if (options.TrainingOnly) MeasureLimits();
        var report = new HarnessReport(options, checkpoint, size, limits, results, training, trainingError);
        Directory.CreateDirectory(options.OutputFolder);
        var markdown = report.ToMarkdown();
        report.MarkdownPath = Path.GetFullPath(Path.Combine(options.OutputFolder, "side-by-side.md"));
        File.WriteAllText(report.MarkdownPath, markdown);
        var chart = Path.GetFullPath(Path.Combine(options.OutputFolder, "side-by-side.png"));
        try
        {
            if (HarnessChart.Save(report, chart)) report.ChartPath = chart;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or IOException)
        {
            log.WriteLine($"The chart could not be drawn: {e.Message}");
        }
        log.WriteLine();
        log.WriteLine(markdown);
        log.WriteLine($"Wrote {report.MarkdownPath}{(report.ChartPath is null ? "" : " and " + report.ChartPath)}.");
        return report;
    }

    // Every backend is opened in this process: quicker, but their thread pools share it (a spinning pool slows the others).
    private static List<BackendMeasurement> MeasureInProcess(HarnessOptions options, string checkpoint, Workload workload,
        Action measureLimits, TextWriter log, CancellationToken cancellationToken)
    {
        var best = new Dictionary<string, List<(double Prefill, double Decode, double Batch)>>();
        // Every backend is opened first; each repeat measures the limits, times every backend in turn and measures the
        // limits again, so that on a shared machine they all meet the same background load. Every repeat is kept; the report
        // gives the median and the range.
        var subjects = new List<(string Name, IDecodeSubject? Subject, string? Error)>();
        try
        {
            foreach (var backend in options.Backends)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = BackendFactory.DisplayName(backend);
                log.WriteLine($"Opening {name}...");
                try
                {
                    var subject = BackendFactory.Open(backend, checkpoint, options.Threads, workload.ContextSize, options.BatchSize, log);
                    subjects.Add((name, subject, null));
                    workload.WarmUp(subject);
                    best[name] = [];
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.WriteLine($"  failed: {e.GetType().Name}: {e.Message}");
                    subjects.Add((name, null, $"{e.GetType().Name}: {e.Message}"));
                }
            }
            for (int r = 0; r < options.Repeats; r++)
            {
                log.WriteLine($"Repeat {r + 1} of {options.Repeats}:");
                measureLimits();
                foreach (var (name, subject, _) in subjects)
                {
                    if (subject is null || !best.ContainsKey(name)) continue;
                    cancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        var run = workload.Time(subject);
                        best[name].Add(run);
                        LogRun(log, name, run, options);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        log.WriteLine($"  {name} failed: {e.GetType().Name}: {e.Message}");
                        best.Remove(name);
                        int index = subjects.FindIndex(x => x.Name == name);
                        subjects[index] = (name, subject, $"{e.GetType().Name}: {e.Message}");
                    }
                }
                measureLimits();
            }
        }
        finally
        {
            foreach (var (_, subject, _) in subjects) subject?.Dispose();
        }
        return subjects.Select(x => x.Error is null && best.TryGetValue(x.Name, out var runs) && runs.Count > 0
            ? Summarize(x.Name, x.Subject!.WeightBytesPerToken, runs, options)
            : new BackendMeasurement(x.Name, 0, 0, 0, 0, x.Error ?? "no repeat finished")).ToList();
    }

    // Each repeat of each backend runs in a child process of its own (this program, "side-by-side-child"): no other
    // runtime's threads live beside it. Models are loaded anew each time; exports are cached on disk.
    private static List<BackendMeasurement> MeasureIsolated(HarnessOptions options, string checkpoint,
        Action measureLimits, TextWriter log, CancellationToken cancellationToken)
    {
        var best = options.Backends.Select(BackendFactory.DisplayName).ToDictionary(name => name, _ => new List<(double Prefill, double Decode, double Batch)>());
        var errors = new Dictionary<string, string>();
        var bytes = new Dictionary<string, long>();
        for (int r = 0; r < options.Repeats; r++)
        {
            log.WriteLine($"Repeat {r + 1} of {options.Repeats} (each backend in its own process):");
            measureLimits();
            foreach (var backend in options.Backends)
            {
                var name = BackendFactory.DisplayName(backend);
                if (errors.ContainsKey(name)) continue;
                cancellationToken.ThrowIfCancellationRequested();
                var outcome = IsolatedRun.Measure(options, checkpoint, backend, log, cancellationToken);
                if (outcome.Error is { } error)
                {
                    log.WriteLine($"  {name} failed: {error}");
                    errors[name] = error;
                    continue;
                }
                best[name].Add(outcome.Run);
                bytes[name] = outcome.WeightBytesPerToken;
                LogRun(log, name, outcome.Run, options);
            }
            measureLimits();
        }
        return [.. options.Backends.Select(BackendFactory.DisplayName).Select(name => errors.TryGetValue(name, out var e) || best[name].Count == 0
            ? new BackendMeasurement(name, 0, 0, 0, 0, e ?? "no repeat finished")
            : Summarize(name, bytes[name], best[name], options))];
    }

    /// <summary>Times one backend once, in this process (what a child process of the isolated mode runs).</summary>
    internal static (double Prefill, double Decode, double Batch, long WeightBytesPerToken) MeasureOnce(HarnessOptions options, BenchmarkBackend backend, TextWriter log)
    {
        var checkpoint = BenchmarkModels.Resolve(options.Model, log);
        var workload = Workload.Of(CheckpointFolder.Open(checkpoint).Config, options);
        using var subject = BackendFactory.Open(backend, checkpoint, options.Threads, workload.ContextSize, options.BatchSize, log);
        workload.WarmUp(subject);
        var run = workload.Time(subject);
        return (run.Prefill, run.Decode, run.Batch, subject.WeightBytesPerToken);
    }

    private static void LogRun(TextWriter log, string name, (double Prefill, double Decode, double Batch) run, HarnessOptions options) =>
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-14} prefill {options.PrefillLength / run.Prefill,8:F0} tok/s   decode {options.DecodeSteps / run.Decode,7:F1} tok/s   batch {options.BatchSize} {options.BatchSize * options.DecodeSteps / run.Batch,7:F1} tok/s"));

    /// <summary>The prompts every backend is timed on: the same random token ids (seed 2024) in every process.</summary>
    private sealed record Workload(int[] PrefillPrompt, int[][] Single, int[][] Batch, int[] WarmUpPrompt, int ContextSize, int Steps)
    {
        public static Workload Of(DecoderConfig config, HarnessOptions options)
        {
            var random = new Random(2024);
            int[] Prompt(int length) => [.. Enumerable.Range(0, length).Select(_ => random.Next(0, config.VocabSize))];
            var prefill = Prompt(options.PrefillLength);
            var single = new[] { Prompt(options.DecodePromptLength) };
            var batch = Enumerable.Range(0, options.BatchSize).Select(_ => Prompt(options.DecodePromptLength)).ToArray();
            // llama.cpp's cache is not unified (see LlamaCppSubject): each of the BatchSize sequences gets an equal
            // slice, and sequence 0 must hold the whole prefill prompt.
            int contextSize = options.BatchSize * (Math.Max(options.PrefillLength, options.DecodePromptLength + options.DecodeSteps) + 16);
            return new Workload(prefill, single, batch, Prompt(16), contextSize, options.DecodeSteps);
        }

        // Two seconds of decoding, then a pause for .NET's tiered JIT to finish compiling the hot paths in the background
        // (calls are counted only after 100 ms without new methods): a fresh child process is otherwise timed partly in
        // unoptimised code (measured: the first 32 Torch decode steps of a process at 19 tok/s, later ones at 45–50).
        public void WarmUp(IDecodeSubject subject)
        {
            subject.PrefillSeconds(WarmUpPrompt);
            subject.DecodeSeconds(Batch, 2);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(2)) subject.DecodeSeconds(Single, 8);
            Thread.Sleep(300);
            subject.DecodeSeconds(Single, 4);
        }

        public (double Prefill, double Decode, double Batch) Time(IDecodeSubject subject) =>
            (subject.PrefillSeconds(PrefillPrompt), subject.DecodeSeconds(Single, Steps), subject.DecodeSeconds(Batch, Steps));
    }

    /// <summary>Medians and ranges of the repeats, in tokens per second.</summary>
    private static BackendMeasurement Summarize(string name, long weightBytesPerToken, List<(double Prefill, double Decode, double Batch)> runs, HarnessOptions options)
    {
        var prefill = runs.Select(r => options.PrefillLength / r.Prefill).ToList();
        var decode = runs.Select(r => options.DecodeSteps / r.Decode).ToList();
        var batch = runs.Select(r => options.BatchSize * options.DecodeSteps / r.Batch).ToList();
        return new BackendMeasurement(name, weightBytesPerToken, Median(prefill), Median(decode), Median(batch), null,
            (prefill.Min(), prefill.Max()), (decode.Min(), decode.Max()), (batch.Min(), batch.Max()));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
