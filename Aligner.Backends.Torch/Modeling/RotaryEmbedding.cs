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

    /// <summary>The cos and sin tables for <paramref name="positionIds"/> <c>[B, T]</c>: each <c>[B, 1, T, head_dim]</c> in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) Compute(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var inv = tensor(_inverseFrequencies, ScalarType.Float64, positionIds.device);
        var angles = positionIds.to(ScalarType.Float64).unsqueeze(-1) * inv;
        var full = cat([angles, angles], -1).unsqueeze(1);
        var cos = full.cos().to(dtype);
        var sin = full.sin().to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Rotates <paramref name="x"/> <c>[B, heads, T, head_dim]</c>: <c>x·cos + rotate_half(x)·sin</c>.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
