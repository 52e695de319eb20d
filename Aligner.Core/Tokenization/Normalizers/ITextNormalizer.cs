namespace Aligner.Tokenization.Normalizers;

/// <summary>One <c>normalizer</c> step of <c>tokenizer.json</c>, applied to each piece of text between added tokens.</summary>
internal interface ITextNormalizer
{
    string Normalize(string text);
}
