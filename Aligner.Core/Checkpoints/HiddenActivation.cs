namespace Aligner.Checkpoints;

/// <summary>The activation of the gated MLP (<c>hidden_act</c> / <c>hidden_activation</c>).</summary>
public enum HiddenActivation
{
    /// <summary><c>silu</c> (SwiGLU): Llama, Mistral, Qwen2.</summary>
    Silu,
    /// <summary><c>gelu_pytorch_tanh</c> / <c>gelu_new</c>: GELU with the tanh approximation (Gemma's GeGLU).</summary>
    GeluTanh,
    /// <summary><c>gelu</c>: exact GELU (erf).</summary>
    Gelu,
}

/// <summary>Names of activations as <c>config.json</c> spells them.</summary>
public static class HiddenActivationNames
{
    /// <summary>The activation named <paramref name="name"/>, or <see langword="null"/> when Aligner does not implement it.</summary>
    public static HiddenActivation? Parse(string name) => name switch
    {
        "silu" or "swish" => HiddenActivation.Silu,
        "gelu_pytorch_tanh" or "gelu_new" or "gelu_fast" => HiddenActivation.GeluTanh,
        "gelu" => HiddenActivation.Gelu,
        _ => null,
    };

    /// <summary>The name Hugging Face uses for <paramref name="activation"/>.</summary>
    public static string ToConfigName(this HiddenActivation activation) => activation switch
    {
        HiddenActivation.Silu => "silu",
        HiddenActivation.GeluTanh => "gelu_pytorch_tanh",
        HiddenActivation.Gelu => "gelu",
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };
}
