namespace Aligner.Backends.Onnx.Export;

/// <summary>The feed-forward activation of a decoder, as Hugging Face names it in <c>hidden_act</c>.</summary>
internal enum FeedForwardActivation
{
    /// <summary><c>silu</c> / <c>swish</c>: x·sigmoid(x) (Llama, Mistral, Qwen2).</summary>
    Silu,
    /// <summary><c>gelu_pytorch_tanh</c> / <c>gelu_new</c>: GELU with the tanh approximation (Gemma).</summary>
    GeluTanh,
    /// <summary><c>gelu</c>: exact GELU through erf.</summary>
    GeluExact,
}

/// <summary>
/// Everything the ONNX graph of a Llama-family decoder depends on, taken from a checkpoint's <c>config.json</c>.
/// Field meanings follow Hugging Face's configuration classes.
/// </summary>
internal sealed record DecoderGraphSpec
{
    public required string ModelType { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int LayerCount { get; init; }
    public required int HeadCount { get; init; }
    public required int KeyValueHeadCount { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabularySize { get; init; }
    public required float RmsNormEpsilon { get; init; }
    public required FeedForwardActivation Activation { get; init; }
    /// <summary>Rotary inverse frequencies (<c>head_dim / 2</c> values), rope scaling already applied.</summary>
    public required float[] RotaryInverseFrequencies { get; init; }
    /// <summary>Factor applied to cos and sin (1 except for scaling types that change attention temperature).</summary>
    public float RotaryAttentionScaling { get; init; } = 1f;
    public required bool TieWordEmbeddings { get; init; }
    /// <summary>Biases on q, k and v projections (Qwen2; Llama with <c>attention_bias</c>).</summary>
    public bool QkvBias { get; init; }
    /// <summary>Bias on the output projection (Llama with <c>attention_bias</c>).</summary>
    public bool OutputProjectionBias { get; init; }
    /// <summary>Biases on the MLP projections (Llama with <c>mlp_bias</c>).</summary>
    public bool MlpBias { get; init; }
    /// <summary>Gemma: RMSNorm multiplies by (1 + weight), in float32.</summary>
    public bool NormAddsOne { get; init; }
    /// <summary>Gemma: embeddings are multiplied by sqrt(hidden_size) (rounded to the compute type).</summary>
    public bool ScaleEmbeddings { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
}
