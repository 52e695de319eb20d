namespace Aligner.Tokenization;

/// <summary>An entry of <c>added_tokens</c> in <c>tokenizer.json</c>: a string matched before normalization and BPE.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The exact text of the token.</param>
/// <param name="SingleWord">Match only when not inside a word.</param>
/// <param name="LeftStrip">The match absorbs whitespace on its left.</param>
/// <param name="RightStrip">The match absorbs whitespace on its right.</param>
/// <param name="Normalized">Matched against normalized text rather than raw text.</param>
/// <param name="Special">A control token: skipped when decoding with special tokens skipped, and matched in text only when special-token parsing is on.</param>
public sealed record AddedToken(int Id, string Content, bool SingleWord, bool LeftStrip, bool RightStrip, bool Normalized, bool Special);
