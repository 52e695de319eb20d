using Aligner.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Root-mean-square normalisation, computed in float32 whatever the model's dtype. Llama style: the normalised
/// value is cast back to the input dtype and then multiplied by <c>weight</c>. Gemma style
/// (<see cref="DecoderConfig.NormAddsUnitOffset"/>): multiplied by <c>(1 + weight)</c> in float32, then cast.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;
    private readonly Scalar _epsScalar;
    private readonly bool _unitOffset;

#pragma warning disable IDE1006 // Field names are the checkpoint's tensor names.
    private readonly Parameter weight;
#pragma warning restore IDE1006

    /// <summary>Creates the norm.</summary>
    public RmsNorm(long size, double eps, bool unitOffset, ScalarType dtype, Device device) : base(nameof(RmsNorm))
    {
        _eps = eps;
        _epsScalar = eps.ToScalar();
        _unitOffset = unitOffset;
        weight = new Parameter(empty([size], dtype, device));
        RegisterComponents();
    }

    /// <summary>The scale, <c>[size]</c>.</summary>
    public Parameter Weight => weight;

    /// <summary>The epsilon added to the mean square.</summary>
    internal double Eps => _eps;

    /// <summary>Whether this is Gemma's <c>(1 + weight)</c> variant (whose identity weight is zero).</summary>
    public bool UnitOffset => _unitOffset;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Normalize(input).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="forward"/> without a dispose scope of its own (the caller's collects the temporaries). The mean
    /// square's <c>+ eps</c> and <c>rsqrt</c> run in place (safe under autograd: neither input is saved for backward).
    /// </summary>
    internal Tensor Normalize(Tensor input)
    {
        var dtype = input.dtype;
        bool single = dtype == ScalarType.Float32;
        var x = single ? input : input.to(ScalarType.Float32);
        var normalized = x.mul(x.mul(x).mean([-1], keepdim: true).add_(_epsScalar, TorchScalars.One).rsqrt_());
        if (_unitOffset)
        {
            var result = normalized * (weight.dtype == ScalarType.Float32 ? weight : weight.to(ScalarType.Float32)).add(TorchScalars.One, TorchScalars.One);
            return single ? result : result.to(dtype);
        }
        return weight * (single ? normalized : normalized.to(dtype));
    }
}
