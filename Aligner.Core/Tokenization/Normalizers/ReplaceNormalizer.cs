namespace Aligner.Tokenization.Normalizers;

/// <summary>The Replace normalizer: every match of the pattern becomes <c>content</c>.</summary>
internal sealed class ReplaceNormalizer(TextPattern pattern, string content) : ITextNormalizer
{
    public string Normalize(string text) => pattern.Replace(text, content);
}
