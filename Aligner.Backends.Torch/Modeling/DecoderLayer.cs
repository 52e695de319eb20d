using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// One pre-norm decoder block: <c>x + self_attn(input_layernorm(x))</c>, then <c>x + mlp(post_attention_layernorm(x))</c>.
/// Gemma 2 (<see cref="DecoderConfig.HasSandwichNorms"/>): <c>x + post_attention_layernorm(self_attn(input_layernorm(x)))</c>,
/// then <c>x + post_feedforward_layernorm(mlp(pre_feedforward_layernorm(x)))</c>.
/// </summary>
public sealed class DecoderLayer : nn.Module
{
    private readonly int _index;
    private readonly int? _slidingWindow;

#pragma warning disable IDE1006 // Field names are the checkpoint's tensor names.
    private readonly DecoderAttention self_attn;
    private readonly GatedMlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;
    private readonly RmsNorm? pre_feedforward_layernorm;
    private readonly RmsNorm? post_feedforward_layernorm;
#pragma warning restore IDE1006

    /// <summary>Creates layer <paramref name="index"/> of <paramref name="config"/>.</summary>
    public DecoderLayer(DecoderConfig config, int index, ScalarType dtype, Device device) : base(nameof(DecoderLayer))
    {
        _index = index;
        _slidingWindow = config.SlidingWindowOfLayer(index);
        self_attn = new DecoderAttention(config, dtype, device);
        mlp = new GatedMlp(config, dtype, device);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, config.NormAddsUnitOffset, dtype, device);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, config.NormAddsUnitOffset, dtype, device);
        if (config.HasSandwichNorms)
        {
            pre_feedforward_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, config.NormAddsUnitOffset, dtype, device);
            post_feedforward_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, config.NormAddsUnitOffset, dtype, device);
        }
        RegisterComponents();
    }

    /// <summary><c>self_attn</c>.</summary>
    public DecoderAttention SelfAttention => self_attn;

    /// <summary><c>mlp</c>.</summary>
    public GatedMlp Mlp => mlp;

    /// <summary><c>input_layernorm</c>.</summary>
    public RmsNorm InputLayerNorm => input_layernorm;

    /// <summary><c>post_attention_layernorm</c>.</summary>
    public RmsNorm PostAttentionLayerNorm => post_attention_layernorm;

    /// <summary>Gemma 2's <c>pre_feedforward_layernorm</c>, else <see langword="null"/>.</summary>
    public RmsNorm? PreFeedforwardLayerNorm => pre_feedforward_layernorm;

    /// <summary>Gemma 2's <c>post_feedforward_layernorm</c>, else <see langword="null"/>.</summary>
    public RmsNorm? PostFeedforwardLayerNorm => post_feedforward_layernorm;

    /// <summary>This layer's sliding window, or <see langword="null"/> for full attention.</summary>
    public int? SlidingWindow => _slidingWindow;

    /// <summary>Runs the block on <paramref name="hidden"/> <c>[B, T, hidden]</c>; <paramref name="cos"/> and <paramref name="sin"/> are the tables of <see cref="RotaryEmbedding.Compute"/>.</summary>
    public Tensor Forward(Tensor hidden, Tensor cos, Tensor sin, AttentionMasks masks, KeyValueCache? cache, long cacheOffset) =>
        Forward(hidden, new DecoderStep(cos, sin, masks, cache, cacheOffset));

    /// <summary>Runs the block for <paramref name="step"/>: one dispose scope for the whole block.</summary>
    internal Tensor Forward(Tensor hidden, DecoderStep step)
    {
        using var scope = NewDisposeScope();
        var attended = self_attn.Attend(input_layernorm.Normalize(hidden), step, _index, _slidingWindow);
        if (pre_feedforward_layernorm is null || post_feedforward_layernorm is null)
        {
            var h = hidden.Plus(attended);
            return h.Plus(mlp.Apply(post_attention_layernorm.Normalize(h), step.Packed)).MoveToOuterDisposeScope();
        }
        var sandwiched = hidden.Plus(post_attention_layernorm.Normalize(attended));
        var fed = post_feedforward_layernorm.Normalize(mlp.Apply(pre_feedforward_layernorm.Normalize(sandwiched), step.Packed));
        return sandwiched.Plus(fed).MoveToOuterDisposeScope();
    }
}
