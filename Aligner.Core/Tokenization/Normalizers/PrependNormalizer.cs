namespace Aligner.Tokenization.Normalizers;

/// <summary>The Prepend normalizer (SentencePiece's dummy prefix): non-empty text gets <c>prepend</c> in front.</summary>
internal sealed class PrependNormalizer(string prefix) : ITextNormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}
