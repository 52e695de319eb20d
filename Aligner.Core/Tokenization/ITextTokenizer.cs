namespace Aligner.Tokenization;

/// <summary>
/// A tokenizer with Hugging Face semantics: the token ids equal those of the checkpoint's own tokenizer.
/// Load one from a checkpoint folder with <c>TokenizerLoader.Load(folder)</c>. Thread-safe.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>Number of token ids (the largest id plus one, added tokens included).</summary>
    int VocabularySize { get; }

    /// <summary>Beginning-of-sequence token id, if the tokenizer has one.</summary>
    int? BosTokenId { get; }

    /// <summary>End-of-sequence token id, if the tokenizer has one.</summary>
    int? EosTokenId { get; }

    /// <summary>Padding token id, if the tokenizer has one.</summary>
    int? PadTokenId { get; }

    /// <summary>Unknown-token id, if the tokenizer has one.</summary>
    int? UnkTokenId { get; }

    /// <summary>Whether <see cref="Encode"/> with special tokens prepends BOS (<c>add_bos_token</c>, or the post-processor).</summary>
    bool AddsBosToken { get; }

    /// <summary>Whether <see cref="Encode"/> with special tokens appends EOS (<c>add_eos_token</c>, or the post-processor).</summary>
    bool AddsEosToken { get; }

    /// <summary>
    /// Encodes text to token ids.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="addSpecialTokens">Add BOS/EOS as the tokenizer's configuration says (like Hugging Face's <c>add_special_tokens</c>).</param>
    /// <param name="parseSpecialTokens">Turn special-token text such as <c>&lt;/s&gt;</c> into control tokens. Never set this for user input.</param>
    IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true, bool parseSpecialTokens = false);

    /// <summary>
    /// Encodes a rendered prompt: special tokens are parsed in trusted parts only; untrusted parts are plain text.
    /// Adds BOS/EOS as configured when <paramref name="addSpecialTokens"/> is set.
    /// </summary>
    IReadOnlyList<int> EncodePrompt(CorrectionPrompt prompt, bool addSpecialTokens = true);

    /// <summary>Decodes token ids to text.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="skipSpecialTokens">Leave out special tokens (BOS, EOS, added special tokens).</param>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true);

    /// <summary>Starts an incremental decoder for streaming: it returns text only once whole characters are known.</summary>
    IIncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = true);

    /// <summary>Counts the tokens of plain text (no special tokens added or parsed).</summary>
    int CountTokens(string text);

    /// <summary>Whether the id is a special (control) token.</summary>
    bool IsSpecialToken(int id);

    /// <summary>The token string of an id (e.g. <c>▁Hello</c>), or <see langword="null"/> when out of range.</summary>
    string? IdToToken(int id);

    /// <summary>The id of a token string, or <see langword="null"/> when it is not in the vocabulary.</summary>
    int? TokenToId(string token);
}

/// <summary>Turns a stream of token ids into text deltas that never split a character.</summary>
public interface IIncrementalDecoder
{
    /// <summary>Adds one token; returns the text that became complete (possibly empty).</summary>
    string Append(int id);

    /// <summary>Returns any text still held back (an incomplete character becomes U+FFFD, as Hugging Face decodes it).</summary>
    string Flush();
}
