using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// A linear layer <c>y = x Wᵀ + b</c> with Hugging Face's parameter names (<c>weight</c> <c>[out, in]</c>, optional
/// <c>bias</c>). Its parameters are allocated uninitialised: they are filled by a checkpoint load or by
/// <see cref="CausalLanguageModel.CreateRandom"/>.
/// </summary>
public sealed class Projection : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public Projection(long inFeatures, long outFeatures, bool hasBias, ScalarType dtype, Device device) : base(nameof(Projection))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        // The temporaries are disposed at once: a handle left to the finaliser would keep the storage alive after
        // QuantizeInt8 releases it (an int8 load would then hold every layer's 16-bit weights until a GC).
        using (var w = empty([outFeatures, inFeatures], dtype, device)) weight = new Parameter(w);
        if (hasBias) using (var b = empty([outFeatures], dtype, device)) bias = new Parameter(b);
        RegisterComponents();
    }

    /// <summary>
    /// Creates the layer over storage owned by a packed projection (<see cref="PackedProjections"/>): the parameters
    /// are views of rows of a larger weight (and bias), so that several projections of the same input can run as one matmul.
    /// </summary>
    internal Projection(Tensor weightRows, Tensor? biasRows) : base(nameof(Projection))
    {
        InFeatures = weightRows.shape[1];
        OutFeatures = weightRows.shape[0];
        weight = new Parameter(weightRows);
        if (biasRows is not null) bias = new Parameter(biasRows);
        RegisterComponents();
    }

#pragma warning disable IDE1006 // Field names are the checkpoint's tensor names.
    private readonly Parameter weight;
    private readonly Parameter? bias;
#pragma warning restore IDE1006

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>The weight, <c>[out, in]</c>.</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, <c>[out]</c>, or <see langword="null"/>.</summary>
    public Parameter? Bias => bias;

    /// <summary>The int8 weight after <see cref="QuantizeInt8"/>, or <see langword="null"/>.</summary>
    internal Int8Weight? Int8 { get; private set; }

    /// <summary>Whether the weight is held as int8 (<see cref="Weight"/> is then empty: the model is for inference only).</summary>
    public bool IsQuantized => Int8 is not null;

    /// <summary>Replaces the weight by int8 values with a scale per block of 32 (<see cref="Int8Weight"/>) and frees its memory.</summary>
    internal void QuantizeInt8() => UseInt8(Int8Weight.Quantize(weight));

    /// <summary>Takes <paramref name="int8"/> as the weight (a packed projection's rows) and frees the float weight's memory.</summary>
    internal void UseInt8(Int8Weight int8)
    {
        Int8?.Dispose();
        Int8 = int8;
        ReleaseStorage(weight);
    }

    /// <summary>Points <paramref name="tensor"/> at an empty storage, so that its memory goes once no other tensor shares it.</summary>
    internal static void ReleaseStorage(Tensor tensor)
    {
        using var _ = no_grad();
        using var nothing = empty([0], tensor.dtype, tensor.device);
        tensor.set_(nothing);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) =>
        Int8 is { } int8 ? RowLinear.Apply(input, int8, bias) : RowLinear.Apply(input, weight, bias);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) Int8?.Dispose();
        base.Dispose(disposing);
    }
}
