using System.Globalization;
using Aligner.Training.Data;
using Aligner.Training;

namespace Aligner.Benchmarks.Harness;

/// <summary>
/// Times the SFT trainer (full fine-tuning, f32, AdamW) on the harness's checkpoint: a few optimizer steps over
/// synthetic question/answer/correction rows, with throughput taken between the first and the last step so that
/// start-up (encoding, model load) is excluded.
/// </summary>
internal static class TrainingThroughput
{
    private const int MicroBatch = 4;
    private const int Steps = 4;
    private const int SequenceLength = 256;

    private static readonly string[] Words =
    [
        "the", "answer", "question", "model", "helpful", "harmless", "bread", "flour", "water", "salt", "oven", "minutes",
        "please", "safety", "because", "first", "then", "finally", "about", "should", "could", "people", "always", "never",
    ];

    /// <summary>The measurement, or why there is none.</summary>
    public static (TrainingMeasurement? Measurement, string? Error) Measure(string checkpoint, HarnessOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        if (!options.MeasureTraining) return (null, "disabled by the options");
        log.WriteLine($"Timing SFT training ({Steps} steps of {MicroBatch} × up to {SequenceLength} tokens; f32, then bf16 products)...");
        var (f32, error) = MeasureOne(checkpoint, options, null, log, cancellationToken);
        if (f32 is null) return (null, error);
        var (mixed, _) = MeasureOne(checkpoint, options, TorchSharp.torch.ScalarType.BFloat16, log, cancellationToken);
        return (f32 with { MixedPrecisionTokensPerSecond = mixed?.TokensPerSecond }, null);
    }

    private static (TrainingMeasurement? Measurement, string? Error) MeasureOne(string checkpoint, HarnessOptions options, TorchSharp.torch.ScalarType? compute,
        TextWriter log, CancellationToken cancellationToken)
    {
        var output = Path.Combine(Path.GetTempPath(), "aligner-bench-train-" + Guid.NewGuid().ToString("N"));
        try
        {
            var random = new Random(5);
            string Text(int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
            var rows = Enumerable.Range(0, MicroBatch * Steps).Select(_ => new CorrectionExample(Text(6), Text(10), Text(10))).ToList();
            var trainer = new CorrectorTrainer(new TrainingOptions
            {
                OutputFolder = output, BaseModelFolder = checkpoint, MaxSequenceLength = SequenceLength, IdentityWarmupShare = 0, Epochs = 1,
                MicroBatchSize = MicroBatch, GradientAccumulationSteps = 1, ValidationEverySteps = 0, CheckpointEverySteps = 0,
                Threads = options.Threads, OverwriteOutput = true, DeleteCheckpointsWhenDone = true, ComputeDType = compute,
            });
            var reports = new List<TrainingProgress>();
            trainer.Train(rows, [], new SynchronousProgress(reports.Add), cancellationToken);
            if (reports.Count < 2) return (null, "fewer than two optimizer steps ran");
            double tokens(TrainingProgress p) => p.TokensPerSecond * p.Elapsed.TotalSeconds;
            var (first, last) = (reports[0], reports[^1]);
            double perSecond = (tokens(last) - tokens(first)) / (last.Elapsed - first.Elapsed).TotalSeconds;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {perSecond:F0} training tokens/s ({(compute is null ? "f32" : "bf16 products")})"));
            return (new TrainingMeasurement(perSecond, SequenceLength, MicroBatch, reports.Count - 1), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.WriteLine($"  failed: {e.GetType().Name}: {e.Message}");
            return (null, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            foreach (var folder in new[] { output, output + ".checkpoints" })
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Collects reports on the trainer's thread (<see cref="Progress{T}"/> would post them later).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
