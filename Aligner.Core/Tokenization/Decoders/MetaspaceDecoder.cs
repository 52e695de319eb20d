using Aligner.Tokenization.PreTokenizers;

namespace Aligner.Tokenization.Decoders;

/// <summary>The Metaspace decoder: <c>▁</c> becomes a space; the first token loses its leading space unless the scheme is <c>never</c>.</summary>
internal sealed class MetaspaceDecoder(char replacement, PrependScheme prependScheme) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var text = tokens[i].Replace(replacement, ' ');
            if (i == 0 && prependScheme != PrependScheme.Never && text.StartsWith(' ')) text = text[1..];
            output.Add(text);
        }
        return output;
    }
}
