using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Multi-head self-attention with grouped-query heads, rotary embeddings and optional biases
/// (<c>self_attn.{q,k,v,o}_proj</c>). Runs <c>scaled_dot_product_attention</c>; grouped-query heads are handled by
/// folding each group's queries into one key/value head rather than copying keys and values. Gemma 2's
/// <c>query_pre_attn_scalar</c> and score soft-capping are honoured (soft-capped scores are computed explicitly, softmax in float32).
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
        q_proj = new Projection(config.HiddenSize, (long)_heads * _headDim, config.HasQkvBias, dtype, device);
        k_proj = new Projection(config.HiddenSize, (long)_keyValueHeads * _headDim, config.HasQkvBias, dtype, device);
        v_proj = new Projection(config.HiddenSize, (long)_keyValueHeads * _headDim, config.HasQkvBias, dtype, device);
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
        Tensor attended;
        if (_softcapScalar is { } cap)
        {
            // Gemma 2: scores are soft-capped before the mask, which scaled_dot_product_attention cannot do.
            var scores = q.matmul(k.transpose(-2, -1)).to(ScalarType.Float32).mul(_scaleScalar);
            scores = scores.div(cap).tanh().mul(cap);
            scores = scores.masked_fill(mask.logical_not(), TorchScalars.NegativeInfinity);
            attended = scores.softmax(-1).to(q.dtype).matmul(v);
        }
        else
        {
            if (_queryScale is { } scale) q = q.mul(scale);
            attended = nn.functional.scaled_dot_product_attention(q, k, v, mask);
        }
        var merged = attended.view(batch, _heads, length, _headDim).transpose(1, 2).reshape(batch, length, (long)_heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }

    private void Replace(ref nn.Module<Tensor, Tensor> field, string name, nn.Module<Tensor, Tensor> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        register_module(name, null!);
        register_module(name, value);
        field = value;
    }
}
