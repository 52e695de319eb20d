namespace Aligner.Gguf;

/// <summary>The token kinds stored in <c>tokenizer.ggml.token_type</c> (llama.cpp's <c>llama_token_type</c>).</summary>
public enum GgufTokenType
{
    /// <summary>An ordinary vocabulary piece.</summary>
    Normal = 1,
    /// <summary>The unknown token.</summary>
    Unknown = 2,
    /// <summary>A special (control) token such as BOS or EOS: never produced from text by the tokenizer.</summary>
    Control = 3,
    /// <summary>An added, non-special token matched literally in text.</summary>
    UserDefined = 4,
    /// <summary>An id with no token (padding up to the model's vocabulary size).</summary>
    Unused = 5,
    /// <summary>A byte-fallback token <c>&lt;0xNN&gt;</c>.</summary>
    Byte = 6,
}
