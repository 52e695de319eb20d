namespace Aligner.Tokenization.Normalizers;

/// <summary>The Sequence normalizer: its steps in order.</summary>
internal sealed class SequenceNormalizer(IReadOnlyList<ITextNormalizer> steps) : ITextNormalizer
{
    public string Normalize(string text)
    {
        foreach (var step in steps) text = step.Normalize(text);
        return text;
    }
}
