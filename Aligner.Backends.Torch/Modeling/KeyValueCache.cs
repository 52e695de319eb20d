using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Keys and values of every layer for one generation, preallocated to the session's longest sequence
/// (<c>[batch, kv_heads, capacity, head_dim]</c> per layer): each step writes into a slice, nothing is concatenated.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    /// <summary>Allocates the cache.</summary>
    public KeyValueCache(int layers, long batch, long keyValueHeads, long capacity, long headDim, ScalarType dtype, Device device)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "The cache needs room for at least one position.");
        Capacity = capacity;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            // Uninitialised: attention only ever reads positions that were written.
            _keys[i] = empty([batch, keyValueHeads, capacity, headDim], dtype, device);
            _values[i] = empty([batch, keyValueHeads, capacity, headDim], dtype, device);
        }
    }

    /// <summary>Positions the cache holds.</summary>
    public long Capacity { get; }

    /// <summary>Writes <paramref name="keys"/> and <paramref name="values"/> <c>[B, kv_heads, T, head_dim]</c> at <paramref name="offset"/> and returns views of positions <c>0 .. offset + T</c>.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values, long offset)
    {
        long length = keys.shape[2];
        if (offset + length > Capacity)
            throw new InvalidOperationException($"The KV cache holds {Capacity} positions; writing {length} at {offset} overflows it.");
        _keys[layer].narrow(2, offset, length).copy_(keys);
        _values[layer].narrow(2, offset, length).copy_(values);
        return (_keys[layer].narrow(2, 0, offset + length), _values[layer].narrow(2, 0, offset + length));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
