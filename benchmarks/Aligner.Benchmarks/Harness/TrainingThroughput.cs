using System.Globalization;
using Aligner.Training.Data;
using Aligner.Training;

namespace Aligner.Benchmarks.Harness;

/// <summary>
/// Times the SFT trainer on the harness's checkpoint: every repeat runs two optimizer steps with the default micro-batch
/// and accumulation (the first untimed: allocation and warm-up) in three configurations — float32, bf16 products, and
/// float32 without grouping rows by length — each in a fresh trainer. Rows have mixed lengths, as real data does.
/// </summary>
internal static class TrainingThroughput
{
    private const int SequenceLength = 256;

    private static readonly string[] Words =
    [
        "the", "answer", "question", "model", "helpful", "harmless", "bread", "flour", "water", "salt", "oven", "minutes",
        "please", "safety", "because", "first", "then", "finally", "about", "should", "could", "people", "always", "never",
    ];

    public static (TrainingMeasurement? Measurement, string? Error) Measure(string checkpoint, HarnessOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        if (!options.MeasureTraining) return (null, "disabled by the options");
        var defaults = new TrainingOptions { OutputFolder = "unused" };
        int micro = defaults.MicroBatchSize, accumulation = defaults.GradientAccumulationSteps;
        var random = new Random(5);
        string Text(int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
        // Two optimizer steps; answers and corrections of 2 to 24 words.
        var rows = Enumerable.Range(0, 2 * micro * accumulation)
            .Select(_ => new CorrectionExample(Text(random.Next(4, 12)), Text(random.Next(2, 25)), Text(random.Next(2, 25)))).ToList();
        var tokenizer = Aligner.Tokenization.TokenizerLoader.Load(checkpoint);
        var lengths = rows.Select(r => tokenizer.Encode(CorrectionPromptTemplate.V1.Render(r.Question, r.Answer).Text).Count + tokenizer.Encode(r.Correction).Count + 1).ToList();
        int repeats = options.TrainingRepeats ?? options.Repeats;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Timing SFT training: {repeats} repeat(s) of 2 optimizer steps of {micro} × {accumulation} rows (mean {lengths.Average():F0}, longest {lengths.Max()} tokens; the first step untimed): f32, bf16 products, f32 in planned order..."));
        var f32 = new List<double>();
        var bf16 = new List<double>();
        var planned = new List<double>();
        string? error = null;
        for (int repeat = 0; repeat < repeats; repeat++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Add(f32, MeasureOne(checkpoint, rows, options, null, groupByLength: true, log, cancellationToken));
            Add(bf16, MeasureOne(checkpoint, rows, options, TorchSharp.torch.ScalarType.BFloat16, groupByLength: true, log, cancellationToken));
            Add(planned, MeasureOne(checkpoint, rows, options, null, groupByLength: false, log, cancellationToken));
        }
        if (f32.Count == 0) return (null, error ?? "no repeat finished");
        return (new TrainingMeasurement(Sample(f32)!, Sample(bf16), Sample(planned), micro, accumulation, lengths.Average(), lengths.Max()), null);

        void Add(List<double> values, (double? PerSecond, string? Error) run)
        {
            if (run.PerSecond is { } v) values.Add(v);
            else error ??= run.Error;
        }
    }

    private static TrainingSample? Sample(List<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new TrainingSample(median, (sorted[0], sorted[^1]), n);
    }

    private static (double? PerSecond, string? Error) MeasureOne(string checkpoint, IReadOnlyList<CorrectionExample> rows, HarnessOptions options,
        TorchSharp.torch.ScalarType? compute, bool groupByLength, TextWriter log, CancellationToken cancellationToken)
    {
        var output = Path.Combine(Path.GetTempPath(), "aligner-bench-train-" + Guid.NewGuid().ToString("N"));
        string label = (compute is null ? "f32" : "bf16 products") + (groupByLength ? "" : ", planned order");
        try
        {
            var trainer = new CorrectorTrainer(new TrainingOptions
            {
                OutputFolder = output, BaseModelFolder = checkpoint, MaxSequenceLength = SequenceLength, IdentityWarmupShare = 0, Epochs = 1,
                ValidationEverySteps = 0, CheckpointEverySteps = 0, Threads = options.Threads, OverwriteOutput = true, DeleteCheckpointsWhenDone = true,
                ComputeDType = compute, GroupByLength = groupByLength,
            });
            var reports = new List<TrainingProgress>();
            trainer.Train(rows, [], new SynchronousProgress(reports.Add), cancellationToken);
            if (reports.Count < 2) return (null, "fewer than two optimizer steps ran");
            double tokens(TrainingProgress p) => p.TokensPerSecond * p.Elapsed.TotalSeconds;
            var (first, last) = (reports[0], reports[^1]);
            double perSecond = (tokens(last) - tokens(first)) / (last.Elapsed - first.Elapsed).TotalSeconds;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {perSecond:F0} training tokens/s ({label})"));
            return (perSecond, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.WriteLine($"  failed ({label}): {e.GetType().Name}: {e.Message}");
            return (null, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            foreach (var folder in new[] { output, output + ".checkpoints" })
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
