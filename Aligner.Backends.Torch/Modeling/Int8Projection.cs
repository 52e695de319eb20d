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

    /// <summary>Quantizes <paramref name="source"/>'s weight (per output row, symmetric, round to nearest); the bias is copied as is.</summary>
    public static Int8Projection Quantize(Projection source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var w = source.Weight.detach().to(ScalarType.Float32);
        var scale = w.abs().amax([1], keepdim: true).clamp_min(1e-12) / 127.0;
        var quantized = (w / scale).round_().clamp_(-127, 127).to(ScalarType.Int8);
        var typedScale = scale.to(source.Weight.dtype);
        var bias = source.Bias?.detach().clone();
        quantized.MoveToOuterDisposeScope();
        typedScale.MoveToOuterDisposeScope();
        bias?.MoveToOuterDisposeScope();
        return new Int8Projection(quantized, typedScale, bias, source.InFeatures, source.OutFeatures);
    }

    /// <summary>The weight widened to <paramref name="dtype"/> (for inspection and tests).</summary>
    public Tensor Dequantize(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        return (weight_int8.to(dtype) * weight_scale.to(dtype)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var weight = weight_int8.to(input.dtype) * (weight_scale.dtype == input.dtype ? weight_scale : weight_scale.to(input.dtype));
        return nn.functional.linear(input, weight, bias).MoveToOuterDisposeScope();
    }
}
