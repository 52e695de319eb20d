using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Keys and values of every layer for one generation, preallocated to the session's longest sequence: each layer
/// owns one buffer <c>[batch, capacity, 2 · kv_heads · head_dim]</c> whose rows are a position's keys then values,
/// the layout of the key/value part of a packed q/k/v projection, so that one <c>index_copy_</c> writes both
/// (<see cref="Write"/>). Attention reads them through fixed strided views <c>[batch, kv_heads, positions, head_dim]</c>.
/// Nothing is concatenated.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    private readonly Tensor[] _buffers;
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    /// <summary>Allocates the cache.</summary>
    public KeyValueCache(int layers, long batch, long keyValueHeads, long capacity, long headDim, ScalarType dtype, Device device)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "The cache needs room for at least one position.");
        Capacity = capacity;
        _buffers = new Tensor[layers];
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            // Uninitialised: attention only ever reads positions that were written.
            _buffers[i] = empty([batch, capacity, 2 * keyValueHeads * headDim], dtype, device).DetachFromDisposeScope();
            using var split = _buffers[i].view(batch, capacity, 2, keyValueHeads, headDim);
            using var keys = split.select(2, 0);
            using var values = split.select(2, 1);
            _keys[i] = keys.transpose(1, 2).DetachFromDisposeScope();
            _values[i] = values.transpose(1, 2).DetachFromDisposeScope();
        }
    }

    /// <summary>Layer <paramref name="layer"/>'s buffer <c>[batch, capacity, 2 · kv_heads · head_dim]</c> (each row: a position's keys, then its values).</summary>
    internal Tensor Buffer(int layer) => _buffers[layer];

    /// <summary>Positions the cache holds.</summary>
    public long Capacity { get; }

    /// <summary>Writes <paramref name="keys"/> and <paramref name="values"/> <c>[B, kv_heads, T, head_dim]</c> at <paramref name="offset"/> and returns views of positions <c>0 .. offset + T</c>.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values, long offset)
    {
        long length = keys.shape[2];
        CheckRoom(offset, length);
        using (var k = _keys[layer].narrow(2, offset, length)) k.copy_(keys);
        using (var v = _values[layer].narrow(2, offset, length)) v.copy_(values);
        return (_keys[layer].narrow(2, 0, offset + length), _values[layer].narrow(2, 0, offset + length));
    }

    /// <summary>
    /// Writes packed keys and values <paramref name="keysAndValues"/> <c>[B, T, 2 · kv_heads · head_dim]</c> (each row: a
    /// position's keys, then its values; any row stride) at the cache positions <paramref name="positions"/> <c>[T]</c>
    /// (int64), and returns views of positions <c>0 .. <paramref name="end"/></c>, <c>[B, kv_heads, end, head_dim]</c>.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Write(int layer, Tensor keysAndValues, Tensor positions, long end)
    {
        if (end > Capacity) CheckRoom(end - keysAndValues.shape[1], keysAndValues.shape[1]);
        _buffers[layer].index_copy_(1, positions, keysAndValues);
        return (_keys[layer].narrow(2, 0, end), _values[layer].narrow(2, 0, end));
    }

    private void CheckRoom(long offset, long length)
    {
        if (offset + length > Capacity)
            throw new InvalidOperationException($"The KV cache holds {Capacity} positions; writing {length} at {offset} overflows it.");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
        foreach (var t in _buffers) t.Dispose();
    }
}
