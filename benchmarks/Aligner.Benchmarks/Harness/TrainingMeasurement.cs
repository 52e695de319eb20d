namespace Aligner.Benchmarks.Harness;

/// <summary>Throughput of the SFT trainer in a harness run.</summary>
/// <param name="TokensPerSecond">Training tokens (prompt and correction) per second over the timed steps.</param>
/// <param name="MixedPrecisionTokensPerSecond">The same with the linear layers multiplying in bf16 (<c>--compute-dtype bf16</c>), when measured.</param>
/// <param name="SequenceLength">Tokens per sequence.</param>
/// <param name="BatchSize">Sequences per optimizer step.</param>
/// <param name="Steps">Optimizer steps timed.</param>
public sealed record TrainingMeasurement(double TokensPerSecond, int SequenceLength, int BatchSize, int Steps, double? MixedPrecisionTokensPerSecond = null);
