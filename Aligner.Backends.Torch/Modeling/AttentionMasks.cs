using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Boolean attention masks <c>[B, 1, T, S]</c> (true = may attend) for one forward pass: one for full-attention
/// layers and, when the model has sliding windows, one per window size. A query may always attend to its own
/// key, so padding rows never produce NaN; real tokens never attend to padding. The masks belong to this object
/// (not to any dispose scope) until it is disposed.
/// </summary>
public sealed class AttentionMasks : IDisposable
{
    private readonly Dictionary<int, Tensor> _windowed = [];
    private readonly Tensor _keyPositions;
    private readonly Tensor _queryPositions;

    /// <summary>Builds the masks.</summary>
    /// <param name="keyValid"><c>[B, S]</c> bool: which cache positions hold real tokens.</param>
    /// <param name="queryOffset">Cache position of the first query.</param>
    /// <param name="queryLength">Number of queries <c>T</c>.</param>
    public AttentionMasks(Tensor keyValid, long queryOffset, long queryLength)
    {
        var device = keyValid.device;
        long keyLength = keyValid.shape[1];
        using var scope = NewDisposeScope();
        _keyPositions = TorchScalars.Range(0, keyLength, device).view(1, 1, 1, keyLength).DetachFromDisposeScope();
        _queryPositions = TorchScalars.Range(queryOffset, queryOffset + queryLength, device).view(1, 1, queryLength, 1).DetachFromDisposeScope();
        var causal = _keyPositions.le(_queryPositions);
        var own = _keyPositions.eq(_queryPositions);
        Full = causal.logical_and(keyValid.view(keyValid.shape[0], 1, 1, keyLength)).logical_or(own).DetachFromDisposeScope();
    }

    /// <summary>The mask of layers that attend to every earlier position.</summary>
    public Tensor Full { get; }

    /// <summary>The mask of a layer with a sliding window of <paramref name="window"/> positions (the query's own included), or <see cref="Full"/> when <see langword="null"/>.</summary>
    public Tensor For(int? window)
    {
        if (window is not { } w) return Full;
        if (!_windowed.TryGetValue(w, out var mask))
        {
            using var scope = NewDisposeScope();
            using var width = ((long)w).ToScalar();
            mask = Full.logical_and(_keyPositions.gt(_queryPositions.sub(width))).DetachFromDisposeScope();
            _windowed[w] = mask;
        }
        return mask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Full.Dispose();
        foreach (var m in _windowed.Values) m.Dispose();
        _keyPositions.Dispose();
        _queryPositions.Dispose();
    }
}
