using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// What every decoder layer of one forward pass shares: rotary tables, masks, the KV cache and where to write in it.
/// Built once per pass, so that layers add no per-pass work of their own. Its tensors belong to the pass's dispose scope.
/// </summary>
internal sealed class DecoderStep
{
    /// <summary>A pass with tables <c>[B, 1, T, head_dim]</c> only: layers run their unpacked projections.</summary>
    public DecoderStep(Tensor cos, Tensor signedSin, AttentionMasks masks, KeyValueCache? cache, long cacheOffset)
    {
        Cos = cos;
        SignedSin = signedSin;
        Masks = masks;
        Cache = cache;
        CacheOffset = cacheOffset;
    }

    /// <summary>Rotary cos, <c>[B, 1, T, head_dim]</c>.</summary>
    public Tensor Cos { get; }

    /// <summary>Rotary signed sine, <c>[B, 1, T, head_dim]</c>.</summary>
    public Tensor SignedSin { get; }

    /// <summary>The masks.</summary>
    public AttentionMasks Masks { get; }

    /// <summary>The KV cache, or <see langword="null"/>.</summary>
    public KeyValueCache? Cache { get; }

    /// <summary>Cache position of the first query.</summary>
    public long CacheOffset { get; }

    /// <summary>
    /// Whether layers may run packed projections with in-place updates of their outputs (no autograd). Then
    /// <see cref="CosRows"/> and <see cref="SinRows"/> are set, and <see cref="CachePositions"/> when there is a cache.
    /// </summary>
    public bool Packed { get; init; }

    /// <summary>Rotary cos as <c>[B, T, 1, head_dim]</c> (the layout of packed projections' heads).</summary>
    public Tensor? CosRows { get; init; }

    /// <summary>Rotary signed sine as <c>[B, T, 1, head_dim]</c>.</summary>
    public Tensor? SinRows { get; init; }

    /// <summary>The cache positions written, <c>[T]</c> int64.</summary>
    public Tensor? CachePositions { get; init; }
}
