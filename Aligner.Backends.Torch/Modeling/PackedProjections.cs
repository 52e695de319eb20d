using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Projections of the same input (<c>q/k/v_proj</c>, <c>gate/up_proj</c>) stored as row blocks of one weight (and bias),
/// so that inference runs them as one matmul. Each part is an ordinary <see cref="Projection"/> whose parameters are views
/// of those rows: checkpoints load into and save from them under their Hugging Face names, optimisers and adapter merges
/// update them in place, and the packed weight always holds the same values (no copy, no extra memory).
/// The packed matmul is used only while the owner still holds the parts with their original parameters
/// (<see cref="Holds"/>): an adapter wrapped around a part, or parameters replaced by <c>Module.to</c>, turn it off.
/// </summary>
internal sealed class PackedProjections : IDisposable
{
    private readonly Tensor _weight;
    private readonly Tensor? _bias;
    private readonly Projection[] _parts;
    private readonly Parameter[] _weights;
    private readonly Parameter?[] _biases;

    /// <summary>Allocates <c>[sum(outFeatures), inFeatures]</c> (uninitialised) and the parts over it.</summary>
    public PackedProjections(long inFeatures, long[] outFeatures, bool hasBias, ScalarType dtype, Device device)
    {
        long total = outFeatures.Sum();
        _weight = empty([total, inFeatures], dtype, device);
        _bias = hasBias ? empty([total], dtype, device) : null;
        _parts = new Projection[outFeatures.Length];
        long row = 0;
        for (int i = 0; i < outFeatures.Length; i++)
        {
            // detach(): plain tensors that share the rows' storage, with no autograd view relation to the packed weight.
            // Every temporary handle is disposed here: one left to the finaliser would keep the packed storage alive after
            // QuantizeInt8 releases it.
            using var weightRows = _weight.narrow(0, row, outFeatures[i]);
            using var biasRows = _bias?.narrow(0, row, outFeatures[i]);
            using var detachedWeight = weightRows.detach();
            using var detachedBias = biasRows?.detach();
            _parts[i] = new Projection(detachedWeight, detachedBias);
            row += outFeatures[i];
        }
        _weights = [.. _parts.Select(p => p.Weight)];
        _biases = [.. _parts.Select(p => p.Bias)];
    }

    /// <summary>The packed weight <c>[sum(outFeatures), in]</c> (empty once quantized).</summary>
    public Tensor Weight => _weight;

    /// <summary>The packed bias, or <see langword="null"/>.</summary>
    public Tensor? Bias => _bias;

    /// <summary>The packed weight as int8 after <see cref="QuantizeInt8"/>, or <see langword="null"/>.</summary>
    public Int8Weight? Int8 => _int8;

    /// <summary>Part <paramref name="index"/>.</summary>
    public Projection this[int index] => _parts[index];

    /// <summary>Whether <paramref name="module"/> is part <paramref name="index"/> with its original parameters (so that the packed weight is its weight).</summary>
    public bool Holds(nn.Module<Tensor, Tensor> module, int index)
    {
        var part = _parts[index];
        return !_separated && ReferenceEquals(module, part) && ReferenceEquals(part.Weight, _weights[index]) && ReferenceEquals(part.Bias, _biases[index]);
    }

    /// <summary>Whether the parts no longer share one packed weight (<see cref="Separate"/>): each runs on its own.</summary>
    public bool IsSeparated => _separated;

    private bool _separated;

    /// <summary>
    /// Gives up the packed storage: the parts keep their parameters (the caller points each at storage of its own, e.g.
    /// a memory-mapped checkpoint whose parts are not adjacent in the file) and run as separate matmuls from then on.
    /// </summary>
    public void Separate()
    {
        if (_int8 is not null) throw new InvalidOperationException("A quantized packed projection cannot be separated.");
        _separated = true;
        Projection.ReleaseStorage(_weight);
        if (_bias is not null) Projection.ReleaseStorage(_bias);
    }

    /// <summary>
    /// Points the packed weight (and bias) at <paramref name="weight"/> <c>[sum(outFeatures), in]</c> (and
    /// <paramref name="bias"/>), e.g. a memory-mapped checkpoint whose parts are adjacent in the file, and each part's
    /// parameters at its rows: nothing is copied and the parts still run as one matmul.
    /// </summary>
    public void MapOnto(Tensor weight, Tensor? bias)
    {
        if (_int8 is not null || _separated) throw new InvalidOperationException("Only an unquantized packed projection can be mapped.");
        if (!weight.shape.SequenceEqual(_weight.shape) || (bias is null) != (_bias is null) || (bias is not null && !bias.shape.SequenceEqual(_bias!.shape)))
            throw new ArgumentException($"Expected a weight [{string.Join(", ", _weight.shape)}]{(_bias is null ? " and no bias" : " and a bias")}.", nameof(weight));
        using var _ = no_grad();
        _weight.set_(weight);
        if (bias is not null) _bias!.set_(bias);
        long row = 0;
        for (int i = 0; i < _parts.Length; i++)
        {
            long rows = _parts[i].OutFeatures;
            using (var w = weight.narrow(0, row, rows)) _parts[i].Weight.set_(w);
            if (bias is not null) using (var b = bias.narrow(0, row, rows)) _parts[i].Bias!.set_(b);
            row += rows;
        }
    }

    /// <summary>All parts at once: <c>[..., sum(outFeatures)]</c>, the parts' outputs side by side.</summary>
    public Tensor Forward(Tensor input) =>
        _int8 is { } int8 ? RowLinear.Apply(input, int8, _bias) : RowLinear.Apply(input, _weight, _bias);

    private Int8Weight? _int8;

    /// <summary>
    /// Replaces the packed weight by int8 values with a scale per block of 32 and frees the float weight; each part
    /// takes its rows of the int8 weight. Only while the owner still holds every part (<see cref="Holds"/>).
    /// </summary>
    public void QuantizeInt8()
    {
        if (_int8 is not null) return;
        _int8 = Int8Weight.Quantize(_weight);
        long row = 0;
        foreach (var part in _parts)
        {
            part.UseInt8(_int8.Rows(row, part.OutFeatures));
            row += part.OutFeatures;
        }
        Projection.ReleaseStorage(_weight);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _weight.Dispose();
        _bias?.Dispose();
        _int8?.Dispose();
    }
}
