using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// A linear layer with weight-only int8 storage: the weight is kept as int8 <c>[out, in]</c> with one symmetric scale per
/// output row (<c>max |w_row| / 127</c>, in the compute dtype), half the bytes of bf16 and a quarter of float32. Each call
/// widens the weight to the input's dtype and runs an ordinary <c>linear</c>, so activations stay in the compute dtype;
/// the widened copy is transient (one layer at a time). Built from a loaded <see cref="Projection"/> by <see cref="Quantize"/>.
/// </summary>
public sealed class Int8Projection : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Names follow the buffers' roles.
    private readonly Tensor weight_int8;
    private readonly Tensor weight_scale;
    private readonly Tensor? bias;
#pragma warning restore IDE1006

    private Int8Projection(Tensor quantized, Tensor scale, Tensor? bias, long inFeatures, long outFeatures) : base(nameof(Int8Projection))
    {
        weight_int8 = quantized;
        weight_scale = scale;
        this.bias = bias;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        register_buffer("weight_int8", weight_int8);
        register_buffer("weight_scale", weight_scale);
        if (bias is not null) register_buffer("bias", bias);
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>The int8 weight, <c>[out, in]</c>.</summary>
    public Tensor QuantizedWeight => weight_int8;

    /// <summary>The per-row scales, <c>[out, 1]</c>, in the compute dtype.</summary>
    public Tensor Scale => weight_scale;

    /// <summary>Elements widened or quantized per step: small temporaries that the allocator reuses (fresh multi-MB buffers cost page faults).</summary>
    internal const long ChunkElements = 1L << 20;

    /// <summary>Quantizes <paramref name="source"/>'s weight (per output row, symmetric, round to nearest), in blocks of rows; the bias is copied as is.</summary>
    public static Int8Projection Quantize(Projection source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var noGrad = no_grad();
        var weight = source.Weight.detach();
        long outFeatures = weight.shape[0], inFeatures = weight.shape[1];
        var quantized = empty([outFeatures, inFeatures], ScalarType.Int8, weight.device);
        var scale = empty([outFeatures, 1], weight.dtype, weight.device);
        long rows = Math.Max(1, ChunkElements / Math.Max(1, inFeatures));
        for (long r = 0; r < outFeatures; r += rows)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(rows, outFeatures - r);
            var w = weight.narrow(0, r, n).to(ScalarType.Float32);
            var s = w.abs().amax([1], keepdim: true).clamp_min(1e-12) / 127.0;
            quantized.narrow(0, r, n).copy_((w / s).round_().clamp_(-127, 127));
            scale.narrow(0, r, n).copy_(s);
        }
        var bias = source.Bias?.detach().clone();
        return new Int8Projection(quantized, scale, bias, source.InFeatures, source.OutFeatures);
    }

    /// <summary>The weight widened to <paramref name="dtype"/> (for inspection and tests).</summary>
    public Tensor Dequantize(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        return (weight_int8.to(dtype) * weight_scale.to(dtype)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>The weight is widened a block of rows at a time and each block's outputs computed, so no full-precision copy of the weight exists.</remarks>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        long rows = Math.Max(1, ChunkElements / Math.Max(1, InFeatures));
        if (OutFeatures <= rows) return Block(input, 0, OutFeatures);
        var parts = new List<Tensor>();
        try
        {
            for (long r = 0; r < OutFeatures; r += rows) parts.Add(Block(input, r, Math.Min(rows, OutFeatures - r)));
            return cat(parts, -1);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    private Tensor Block(Tensor input, long start, long count)
    {
        using var scope = NewDisposeScope();
        var scale = weight_scale.narrow(0, start, count);
        var weight = weight_int8.narrow(0, start, count).to(input.dtype) * (scale.dtype == input.dtype ? scale : scale.to(input.dtype));
        return nn.functional.linear(input, weight, bias?.narrow(0, start, count)).MoveToOuterDisposeScope();
    }
}
