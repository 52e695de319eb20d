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
    private readonly Dictionary<(int Window, int Group), Tensor> _derived = [];
    private readonly Device _device;
    private readonly long _keyLength;
    private readonly long _queryOffset;
    private readonly long _queryLength;
    private Tensor? _keyPositions;
    private Tensor? _queryPositions;

    /// <summary>Builds the masks.</summary>
    /// <param name="keyValid"><c>[B, S]</c> bool: which cache positions hold real tokens.</param>
    /// <param name="queryOffset">Cache position of the first query.</param>
    /// <param name="queryLength">Number of queries <c>T</c>.</param>
    public AttentionMasks(Tensor keyValid, long queryOffset, long queryLength)
    {
        long batch = keyValid.shape[0], keyLength = keyValid.shape[1];
        _queryOffset = queryOffset;
        _queryLength = queryLength;
        _device = keyValid.device;
        _keyLength = keyLength;
        using var scope = NewDisposeScope();
        if (queryLength == 1 && queryOffset == keyLength - 1)
        {
            // One query after every key (a decode step): causality allows every key, and the query's own key is valid
            // (the caller marks it), so the mask is keyValid itself.
            Full = keyValid.view(batch, 1, 1, keyLength).DetachFromDisposeScope();
            return;
        }
        var (keyPositions, queryPositions) = Positions();
        var causal = keyPositions.le(queryPositions);
        var own = keyPositions.eq(queryPositions);
        Full = causal.logical_and(keyValid.view(batch, 1, 1, keyLength)).logical_or(own).DetachFromDisposeScope();
    }

    /// <summary>The mask of layers that attend to every earlier position.</summary>
    public Tensor Full { get; }

    /// <summary>The mask of a layer with a sliding window of <paramref name="window"/> positions (the query's own included), or <see cref="Full"/> when <see langword="null"/>.</summary>
    public Tensor For(int? window)
    {
        if (window is not { } w) return Full;
        if (!_derived.TryGetValue((w, 1), out var mask))
        {
            using var scope = NewDisposeScope();
            using var width = ((long)w).ToScalar();
            var (keyPositions, queryPositions) = Positions();
            mask = Full.logical_and(keyPositions.gt(queryPositions.sub(width))).DetachFromDisposeScope();
            _derived[(w, 1)] = mask;
        }
        return mask;
    }

    /// <summary>
    /// <see cref="For(int?)"/> for queries folded <paramref name="group"/> times into the query length (grouped-query
    /// attention: <c>[B, 1, group · T, S]</c>, row <c>g · T + t</c> is query <c>t</c>'s), computed once per pass.
    /// </summary>
    internal Tensor For(int? window, int group)
    {
        var mask = For(window);
        if (group == 1 || _queryLength == 1) return mask;
        var key = (window ?? 0, group);
        if (!_derived.TryGetValue(key, out var repeated))
        {
            using var scope = NewDisposeScope();
            repeated = mask.repeat(1, 1, group, 1).DetachFromDisposeScope();
            _derived[key] = repeated;
        }
        return repeated;
    }

    private (Tensor Keys, Tensor Queries) Positions()
    {
        if (_keyPositions is null || _queryPositions is null)
        {
            using var scope = NewDisposeScope();
            _keyPositions = TorchScalars.Range(0, _keyLength, _device).view(1, 1, 1, _keyLength).DetachFromDisposeScope();
            _queryPositions = TorchScalars.Range(_queryOffset, _queryOffset + _queryLength, _device).view(1, 1, _queryLength, 1).DetachFromDisposeScope();
        }
        return (_keyPositions, _queryPositions);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Full.Dispose();
        foreach (var m in _derived.Values) m.Dispose();
        _keyPositions?.Dispose();
        _queryPositions?.Dispose();
    }
}
