namespace Aligner.Tokenization.Normalizers;

/// <summary>The Lowercase normalizer (culture-invariant).</summary>
internal sealed class LowercaseNormalizer : ITextNormalizer
{
    public string Normalize(string text) => text.ToLowerInvariant();
}
