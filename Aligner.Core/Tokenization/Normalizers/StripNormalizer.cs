namespace Aligner.Tokenization.Normalizers;

/// <summary>The Strip normalizer: removes whitespace on the left and/or right.</summary>
internal sealed class StripNormalizer(bool left, bool right) : ITextNormalizer
{
    public string Normalize(string text) => (left, right) switch
    {
        (true, true) => text.Trim(),
        (true, false) => text.TrimStart(),
        (false, true) => text.TrimEnd(),
        _ => text,
    };
}
