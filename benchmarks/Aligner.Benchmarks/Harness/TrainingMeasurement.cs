namespace Aligner.Benchmarks.Harness;

/// <summary>One training configuration's throughput over the harness's repeats.</summary>
/// <param name="TokensPerSecond">Median training tokens (prompt and correction, padding excluded) per second over the timed step.</param>
/// <param name="Range">Slowest and fastest repeat.</param>
/// <param name="Repeats">Repeats measured.</param>
public sealed record TrainingSample(double TokensPerSecond, (double Min, double Max) Range, int Repeats);

/// <summary>Throughput of the SFT trainer in a harness run: each repeat times one optimizer step with the defaults
/// (micro-batch × accumulation), on rows of mixed lengths, in three configurations.</summary>
/// <param name="Float32">Float32 products, rows grouped by length within the step (the default).</param>
/// <param name="MixedPrecision">The linear layers multiplying in bf16 (<c>--compute-dtype bf16</c>), grouped by length.</param>
/// <param name="PlannedOrder">Float32 products, micro-batches in the planned (shuffled) order: the grouping's baseline.</param>
/// <param name="MicroBatchSize">Rows per forward pass.</param>
/// <param name="AccumulationSteps">Micro-batches per optimizer step.</param>
/// <param name="MeanRowTokens">Mean tokens per training row.</param>
/// <param name="MaxRowTokens">Longest row in tokens.</param>
public sealed record TrainingMeasurement(TrainingSample Float32, TrainingSample? MixedPrecision, TrainingSample? PlannedOrder,
    int MicroBatchSize, int AccumulationSteps, double MeanRowTokens, int MaxRowTokens)
{
    /// <summary>The default configuration's median tokens per second.</summary>
    public double TokensPerSecond => Float32.TokensPerSecond;
}
