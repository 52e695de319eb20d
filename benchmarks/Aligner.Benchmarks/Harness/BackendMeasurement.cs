namespace Aligner.Benchmarks.Harness;

/// <summary>One backend's speeds in a harness run.</summary>
/// <param name="Backend">The backend's display name.</param>
/// <param name="WeightBytesPerToken">Bytes of weights read per decoded token at batch 1.</param>
/// <param name="PrefillTokensPerSecond">Prompt tokens per second prefilling one prompt of the harness's prefill length.</param>
/// <param name="DecodeTokensPerSecond">Tokens per second decoding one sequence.</param>
/// <param name="BatchDecodeTokensPerSecond">Tokens per second (all rows together) decoding a batch.</param>
/// <param name="Error">Why the backend could not be measured, or <see langword="null"/>.</param>
/// <param name="PrefillRange">Slowest and fastest repeat of the prefill (tokens/s); the main figure is the median.</param>
/// <param name="DecodeRange">Slowest and fastest repeat of the batch-1 decode.</param>
/// <param name="BatchDecodeRange">Slowest and fastest repeat of the batch decode.</param>
public sealed record BackendMeasurement(string Backend, long WeightBytesPerToken, double PrefillTokensPerSecond, double DecodeTokensPerSecond,
    double BatchDecodeTokensPerSecond, string? Error = null,
    (double Min, double Max)? PrefillRange = null, (double Min, double Max)? DecodeRange = null, (double Min, double Max)? BatchDecodeRange = null)
{
    /// <summary>Whether the measurement succeeded.</summary>
    public bool Succeeded => Error is null;

    /// <summary>Batched over single-sequence decode throughput.</summary>
    public double BatchSpeedup => BatchDecodeTokensPerSecond / DecodeTokensPerSecond;
}
