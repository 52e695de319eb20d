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
/// markdown file and a PNG chart. Backends never run concurrently; each repeat times every backend in turn (so a
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

        var random = new Random(2024);
        int[] Prompt(int length) => [.. Enumerable.Range(0, length).Select(_ => random.Next(0, config.VocabSize))];
        var prefillPrompt = Prompt(options.PrefillLength);
        var single = new[] { Prompt(options.DecodePromptLength) };
        var batch = Enumerable.Range(0, options.BatchSize).Select(_ => Prompt(options.DecodePromptLength)).ToArray();
        int contextSize = Math.Max(options.PrefillLength, options.BatchSize * (options.DecodePromptLength + options.DecodeSteps)) + 16;

        // Every backend is opened first; each repeat measures the limits, times every backend in turn and measures the
        // limits again, so that on a shared machine they all meet the same background load. Every repeat is kept; the report
        // gives the median and the range.
        var subjects = new List<(string Name, IDecodeSubject? Subject, string? Error)>();
        var best = new Dictionary<string, List<(double Prefill, double Decode, double Batch)>>();
        try
        {
            foreach (var backend in options.Backends)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = BackendFactory.DisplayName(backend);
                log.WriteLine($"Opening {name}...");
                try
                {
                    var subject = BackendFactory.Open(backend, checkpoint, options.Threads, contextSize, options.BatchSize, log);
                    subjects.Add((name, subject, null));
                    subject.PrefillSeconds(Prompt(16));
                    subject.DecodeSeconds(single, 2);
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
                MeasureLimits();
                foreach (var (name, subject, _) in subjects)
                {
                    if (subject is null || !best.ContainsKey(name)) continue;
                    cancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        double prefill = subject.PrefillSeconds(prefillPrompt);
                        double decode = subject.DecodeSeconds(single, options.DecodeSteps);
                        double batched = subject.DecodeSeconds(batch, options.DecodeSteps);
                        best[name].Add((prefill, decode, batched));
                        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {name,-14} prefill {options.PrefillLength / prefill,8:F0} tok/s   decode {options.DecodeSteps / decode,7:F1} tok/s   batch {options.BatchSize} {options.BatchSize * options.DecodeSteps / batched,7:F1} tok/s"));
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        log.WriteLine($"  {name} failed: {e.GetType().Name}: {e.Message}");
                        best.Remove(name);
                        int index = subjects.FindIndex(x => x.Name == name);
                        subjects[index] = (name, subject, $"{e.GetType().Name}: {e.Message}");
                    }
                }
                MeasureLimits();
            }
        }
        finally
        {
            foreach (var (_, subject, _) in subjects) subject?.Dispose();
        }
        var results = subjects.Select(x => x.Error is null && best.TryGetValue(x.Name, out var runs) && runs.Count > 0
            ? Summarize(x.Name, x.Subject!.WeightBytesPerToken, runs, options)
            : new BackendMeasurement(x.Name, 0, 0, 0, 0, x.Error ?? "no repeat finished")).ToList();

        var (training, trainingError) = TrainingThroughput.Measure(checkpoint, options, log, cancellationToken);
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
