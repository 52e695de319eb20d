using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Multi-head self-attention with grouped-query heads, rotary embeddings and optional biases
/// (<c>self_attn.{q,k,v,o}_proj</c>). Runs <c>scaled_dot_product_attention</c>; grouped-query heads are handled by
/// folding each group's queries into one key/value head rather than copying keys and values. Gemma 2's
/// <c>query_pre_attn_scalar</c> and score soft-capping are honoured (soft-capped scores are computed explicitly, softmax in float32).
/// <c>q/k/v_proj</c> are stored packed (<see cref="PackedProjections"/>): without autograd they run as one matmul, rotary
/// embeddings are applied in place to the packed queries and keys, and keys and values go to the cache in one copy.
/// </summary>
public sealed class DecoderAttention : nn.Module
{
    private readonly int _heads;
    private readonly int _keyValueHeads;
    private readonly int _headDim;
    private readonly double _scale;
    private readonly double? _softcap;
    private readonly Scalar _scaleScalar;
    private readonly Scalar? _softcapScalar;
    private readonly Scalar? _queryScale;
    private readonly PackedProjections _qkv;

#pragma warning disable IDE1006 // Field names are the checkpoint's tensor names.
    [TorchSharp.Utils.ComponentName(Name = "q_proj")] private nn.Module<Tensor, Tensor> q_proj;
    [TorchSharp.Utils.ComponentName(Name = "k_proj")] private nn.Module<Tensor, Tensor> k_proj;
    [TorchSharp.Utils.ComponentName(Name = "v_proj")] private nn.Module<Tensor, Tensor> v_proj;
    [TorchSharp.Utils.ComponentName(Name = "o_proj")] private nn.Module<Tensor, Tensor> o_proj;
#pragma warning restore IDE1006

    /// <summary>Creates the attention block for <paramref name="config"/>.</summary>
    public DecoderAttention(DecoderConfig config, ScalarType dtype, Device device) : base(nameof(DecoderAttention))
    {
        _heads = config.NumAttentionHeads;
        _keyValueHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _scale = 1.0 / Math.Sqrt(config.QueryPreAttentionScalar ?? config.HeadDim);
        _softcap = config.AttentionLogitSoftcapping;
        _scaleScalar = _scale.ToScalar();
        _softcapScalar = _softcap?.ToScalar();
        // scaled_dot_product_attention scales by 1/sqrt(head_dim); any other scale is folded into the queries.
        double extra = _scale * Math.Sqrt(config.HeadDim);
        _queryScale = Math.Abs(extra - 1) > 1e-12 ? extra.ToScalar() : null;
        long keyValueWidth = (long)_keyValueHeads * _headDim;
        _qkv = new PackedProjections(config.HiddenSize, [(long)_heads * _headDim, keyValueWidth, keyValueWidth], config.HasQkvBias, dtype, device);
        q_proj = _qkv[0];
        k_proj = _qkv[1];
        v_proj = _qkv[2];
        o_proj = new Projection((long)_heads * _headDim, config.HiddenSize, config.HasOutputBias, dtype, device);
        RegisterComponents();
    }

    /// <summary><c>q_proj</c>. The setter (for adapters such as LoRA) re-registers the module under the same name.</summary>
    public nn.Module<Tensor, Tensor> QProj { get => q_proj; internal set => Replace(ref q_proj, "q_proj", value); }

    /// <summary><c>k_proj</c>. The setter re-registers the module under the same name.</summary>
    public nn.Module<Tensor, Tensor> KProj { get => k_proj; internal set => Replace(ref k_proj, "k_proj", value); }

    /// <summary><c>v_proj</c>. The setter re-registers the module under the same name.</summary>
    public nn.Module<Tensor, Tensor> VProj { get => v_proj; internal set => Replace(ref v_proj, "v_proj", value); }

    /// <summary><c>o_proj</c>. The setter re-registers the module under the same name.</summary>
    public nn.Module<Tensor, Tensor> OProj { get => o_proj; internal set => Replace(ref o_proj, "o_proj", value); }

    /// <summary>Attends <paramref name="hidden"/> <c>[B, T, hidden]</c>.</summary>
    /// <param name="hidden">Normalised hidden states.</param>
    /// <param name="cos">Rotary cos, <c>[B, 1, T, head_dim]</c>.</param>
    /// <param name="sin">Rotary signed sine, <c>[B, 1, T, head_dim]</c> (see <see cref="RotaryEmbedding.Compute"/>).</param>
    /// <param name="mask">Boolean mask <c>[B, 1, T, S]</c>, true where attention is allowed.</param>
    /// <param name="cache">The layer's KV cache, or <see langword="null"/> to attend within <paramref name="hidden"/> only.</param>
    /// <param name="layer">This layer's index in the cache.</param>
    /// <param name="cacheOffset">Cache position of the first query.</param>
    public Tensor Forward(Tensor hidden, Tensor cos, Tensor sin, Tensor mask, KeyValueCache? cache, int layer, long cacheOffset)
    {
        using var scope = NewDisposeScope();
        return Unpacked(hidden, cos, sin, mask, cache, layer, cacheOffset).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Holds q/k/v (packed) and o_proj as int8 (<see cref="Int8Weight"/>), freeing their float weights. Adapters must not
    /// wrap them (a quantized layer is for inference only).
    /// </summary>
    /// <exception cref="InvalidOperationException">A projection was replaced (e.g. by an adapter).</exception>
    internal void QuantizeInt8()
    {
        if (o_proj is not Projection output || !(RunsPacked || RunsSeparated))
            throw new InvalidOperationException("Only a layer whose projections are its own (no adapters) can be quantized.");
        if (RunsPacked) _qkv.QuantizeInt8();
        else foreach (var part in new[] { q_proj, k_proj, v_proj }) ((Projection)part).QuantizeInt8();
        output.QuantizeInt8();
    }

    /// <summary>The packed q/k/v projection.</summary>
    internal PackedProjections Qkv => _qkv;

    /// <summary>The attention scale (<c>1 / sqrt(query_pre_attn_scalar or head_dim)</c>).</summary>
    internal double Scale => _scale;

    /// <summary>Gemma 2's attention logit soft-cap, or <see langword="null"/>.</summary>
    internal double? Softcap => _softcap;

    /// <summary>Whether q/k/v still run as one matmul without autograd (no adapter wraps them, their parameters are the packed ones).</summary>
    internal bool RunsPacked => _qkv.Holds(q_proj, 0) && _qkv.Holds(k_proj, 1) && _qkv.Holds(v_proj, 2);

    /// <summary>
    /// Whether q/k/v are plain projections with storage of their own (<see cref="PackedProjections.Separate"/>: mapped from a
    /// checkpoint whose q/k/v are not adjacent), so that they run as three matmuls.
    /// </summary>
    internal bool RunsSeparated => _qkv.IsSeparated && q_proj is Projection && k_proj is Projection && v_proj is Projection;

    /// <summary>Attends <paramref name="hidden"/> for <paramref name="step"/>, without a dispose scope of its own.</summary>
    internal Tensor Attend(Tensor hidden, DecoderStep step, int layer, int? window)
    {
        if (step.Packed && RunsPacked)
            return Packed(hidden, step, layer, window);
        return Unpacked(hidden, step.Cos, step.SignedSin, step.Masks.For(window), step.Cache, layer, step.CacheOffset);
    }

    // One matmul for q, k and v ([B, T, (heads + 2 kv_heads) · head_dim]); rotary in place on its q and k part; k and v
    // written to the cache straight from it. Only without autograd (in-place writes into the projection's output).
    private Tensor Packed(Tensor hidden, DecoderStep step, int layer, int? window)
    {
        long batch = hidden.shape[0], length = hidden.shape[1];
        int group = _heads / _keyValueHeads;
        var qkv = _qkv.Forward(hidden);
        var heads = qkv.view(batch, length, _heads + 2 * _keyValueHeads, _headDim);
        var rotated = heads.narrow(2, 0, _heads + _keyValueHeads);
        var halvesSwapped = rotated.roll(_headDim / 2, -1);
        rotated.mul_(step.CosRows!).addcmul_(halvesSwapped, step.SinRows!, TorchScalars.One);
        Tensor k, v;
        if (step.Cache is { } cache)
        {
            var keysAndValues = qkv.narrow(2, (long)_heads * _headDim, 2L * _keyValueHeads * _headDim);
            (k, v) = cache.Write(layer, keysAndValues, step.CachePositions!, step.CacheOffset + length);
        }
        else
        {
            k = heads.narrow(2, _heads, _keyValueHeads).transpose(1, 2);
            v = heads.narrow(2, _heads + _keyValueHeads, _keyValueHeads).transpose(1, 2);
        }
        // Query head h uses key/value head h / group: the group is folded into the query length.
        var q = length == 1
            ? heads.narrow(2, 0, _heads).view(batch, _keyValueHeads, group, _headDim)
            : heads.narrow(2, 0, _heads).transpose(1, 2).reshape(batch, _keyValueHeads, group * length, _headDim);
        var attended = Scores(q, k, v, step.Masks.For(window, group));
        var merged = length == 1
            ? attended.reshape(batch, 1, (long)_heads * _headDim)
            : attended.view(batch, _heads, length, _headDim).transpose(1, 2).reshape(batch, length, (long)_heads * _headDim);
        return o_proj.forward(merged);
    }

    private Tensor Unpacked(Tensor hidden, Tensor cos, Tensor sin, Tensor mask, KeyValueCache? cache, int layer, long cacheOffset)
    {
        long batch = hidden.shape[0], length = hidden.shape[1];
        var q = q_proj.forward(hidden).view(batch, length, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(hidden).view(batch, length, _keyValueHeads, _headDim).transpose(1, 2);
        var v = v_proj.forward(hidden).view(batch, length, _keyValueHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(layer, k, v, cacheOffset);

        int group = _heads / _keyValueHeads;
        if (group > 1)
        {
            // Query head h uses key/value head h / group: fold the group into the query length.
            q = q.reshape(batch, _keyValueHeads, group * length, _headDim);
            mask = mask.shape[2] == 1 ? mask : mask.repeat(1, 1, group, 1);
        }
        var attended = Scores(q, k, v, mask);
        var merged = attended.view(batch, _heads, length, _headDim).transpose(1, 2).reshape(batch, length, (long)_heads * _headDim);
        return o_proj.forward(merged);
    }

    // Attention of folded queries [B, kv_heads, group · T, head_dim] over keys and values [B, kv_heads, S, head_dim].
    private Tensor Scores(Tensor q, Tensor k, Tensor v, Tensor mask)
    {
        if (_softcapScalar is { } cap)
        {
            // Gemma 2: scores are soft-capped before the mask, which scaled_dot_product_attention cannot do.
            var scores = q.matmul(k.transpose(-2, -1)).to(ScalarType.Float32).mul(_scaleScalar);
            scores = scores.div(cap).tanh().mul(cap);
            scores = scores.masked_fill(mask.logical_not(), TorchScalars.NegativeInfinity);
            return scores.softmax(-1).to(q.dtype).matmul(v);
        }
        if (_queryScale is { } scale) q = q.mul(scale);
        return nn.functional.scaled_dot_product_attention(q, k, v, mask);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _qkv.Dispose();
    }

    private void Replace(ref nn.Module<Tensor, Tensor> field, string name, nn.Module<Tensor, Tensor> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        register_module(name, null!);
        register_module(name, value);
        field = value;
    }
}
