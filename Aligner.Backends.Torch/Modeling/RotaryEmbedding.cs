using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Rotary position embeddings in Hugging Face's "rotate half" layout. Angles are computed in float64 from the
/// position ids (<see cref="RotaryFrequencies"/> applies <c>rope_scaling</c>), then cos/sin are cast to the model's dtype.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly double[] _inverseFrequencies;

    /// <summary>Creates the embedding for <paramref name="config"/>.</summary>
    public RotaryEmbedding(DecoderConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _inverseFrequencies = RotaryFrequencies.Compute(config);
    }

    /// <summary>
    /// The tables for <paramref name="positionIds"/> <c>[B, T]</c>, each <c>[B, 1, T, head_dim]</c> in <paramref name="dtype"/>:
    /// <c>cos(cat(f, f))</c> and the signed sine <c>cat(-sin f, sin f)</c> that <see cref="Apply"/> expects.
    /// </summary>
    public (Tensor Cos, Tensor SignedSin) Compute(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var inv = tensor(_inverseFrequencies, ScalarType.Float64, positionIds.device);
        var angles = (positionIds.to(ScalarType.Float64).unsqueeze(-1) * inv).unsqueeze(1);
        var cos = angles.cos();
        var sin = angles.sin();
        var cosFull = cat([cos, cos], -1).to(dtype);
        var signedSin = cat([sin.neg(), sin], -1).to(dtype);
        return (cosFull.MoveToOuterDisposeScope(), signedSin.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Rotates <paramref name="x"/> <c>[B, heads, T, head_dim]</c>: <c>x·cos + rotate_half(x)·sin</c>, computed as
    /// <c>x·cos + roll(x, head_dim/2)·signedSin</c> (<c>roll</c> swaps the halves; the sign lives in <paramref name="signedSin"/>).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        return (x * cos).addcmul_(x.roll(half, -1), signedSin, TorchScalars.One).MoveToOuterDisposeScope();
    }
}
