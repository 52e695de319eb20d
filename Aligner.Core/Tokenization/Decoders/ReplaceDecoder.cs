namespace Aligner.Tokenization.Decoders;

/// <summary>The Replace decoder: in each token, matches of the pattern become <c>content</c>.</summary>
internal sealed class ReplaceDecoder(TextPattern pattern, string content) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(t => pattern.Replace(t, content));
}
