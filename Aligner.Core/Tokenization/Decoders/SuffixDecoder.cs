namespace Aligner.Tokenization.Decoders;

/// <summary>The BPEDecoder: the end-of-word suffix (e.g. <c>&lt;/w&gt;</c>) becomes a space, or nothing in the last token.</summary>
internal sealed class SuffixDecoder(string suffix) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
            output.Add(suffix.Length == 0 ? tokens[i] : tokens[i].Replace(suffix, i == tokens.Count - 1 ? "" : " ", StringComparison.Ordinal));
        return output;
    }
}
