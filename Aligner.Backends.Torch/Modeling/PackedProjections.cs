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
        return ReferenceEquals(module, part) && ReferenceEquals(part.Weight, _weights[index]) && ReferenceEquals(part.Bias, _biases[index]);
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
