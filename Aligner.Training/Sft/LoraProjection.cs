using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Training;

/// <summary>
/// A frozen <see cref="Projection"/> plus a trainable low-rank update: <c>y = base(x) + (alpha / rank) · x Aᵀ Bᵀ</c>,
/// with <c>lora_A</c> <c>[rank, in]</c> drawn uniformly in ±1/√in and <c>lora_B</c> <c>[out, rank]</c> zero, as PEFT initialises them.
/// </summary>
internal sealed class LoraProjection : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Names as PEFT's.
    private readonly Projection base_layer;
    private readonly Parameter lora_A;
    private readonly Parameter lora_B;
#pragma warning restore IDE1006

    public LoraProjection(Projection baseLayer, int rank, double alpha, Generator generator) : base(nameof(LoraProjection))
    {
        base_layer = baseLayer;
        Scale = alpha / rank;
        var weight = baseLayer.Weight;
        double bound = 1 / Math.Sqrt(baseLayer.InFeatures);
        using (torch.no_grad())
        {
            using var a = torch.empty([rank, baseLayer.InFeatures], ScalarType.Float32).uniform_(-bound, bound, generator);
            lora_A = new Parameter(a.to(weight.dtype, weight.device));
            lora_B = new Parameter(torch.zeros([baseLayer.OutFeatures, rank], weight.dtype, weight.device));
        }
        RegisterComponents();
    }

    /// <summary>The multiplier of the update, alpha / rank.</summary>
    public double Scale { get; }

    public Projection Base => base_layer;

    public Parameter A => lora_A;

    public Parameter B => lora_B;

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var update = nn.functional.linear(nn.functional.linear(input, lora_A), lora_B).Times(Scale);
        return base_layer.forward(input).Plus(update).MoveToOuterDisposeScope();
    }

    /// <summary>Adds the update into the base weight and returns the base projection (to put back in place of this wrapper).</summary>
    public Projection Merge()
    {
        using var noGrad = torch.no_grad();
        using var scale = Scale.ToScalar();
        using var delta = lora_B.matmul(lora_A).mul_(scale);
        base_layer.Weight.PlusInPlace(delta);
        return base_layer;
    }
}
