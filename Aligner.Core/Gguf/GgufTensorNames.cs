using System.Text.RegularExpressions;

namespace Aligner.Gguf;

/// <summary>Hugging Face tensor names of Llama-family decoders and the names llama.cpp gives them in GGUF.</summary>
public static partial class GgufTensorNames
{
    /// <summary>The GGUF name of a Hugging Face tensor, or <see langword="null"/> when it has none (e.g. <c>rotary_emb.inv_freq</c>).</summary>
    public static string? FromHuggingFace(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name)
        {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
        }
        var m = LayerTensor().Match(name);
        if (!m.Success) return null;
        var part = m.Groups["part"].Value switch
        {
            "input_layernorm" => "attn_norm",
            "self_attn.q_proj" => "attn_q",
            "self_attn.k_proj" => "attn_k",
            "self_attn.v_proj" => "attn_v",
            "self_attn.o_proj" => "attn_output",
            "post_attention_layernorm" => "ffn_norm",
            "mlp.gate_proj" => "ffn_gate",
            "mlp.up_proj" => "ffn_up",
            "mlp.down_proj" => "ffn_down",
            _ => null,
        };
        return part is null ? null : $"blk.{m.Groups["layer"].Value}.{part}.{m.Groups["kind"].Value}";
    }

    /// <summary>Whether a Hugging Face tensor carries no weights a GGUF file needs (rotary caches).</summary>
    public static bool IsDerived(string name) => name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal);

    [GeneratedRegex(@"^model\.layers\.(?<layer>\d+)\.(?<part>[a-z_]+(\.[a-z_]+)?)\.(?<kind>weight|bias)$")]
    private static partial Regex LayerTensor();
}
