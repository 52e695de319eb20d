namespace Aligner.Tokenization.Decoders;

/// <summary>The Strip decoder: removes up to <c>start</c> leading and <c>stop</c> trailing <c>content</c> characters from each token.</summary>
internal sealed class StripDecoder(char content, int start, int stop) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(Strip);

    private string Strip(string token)
    {
        int s = 0, e = token.Length;
        for (int i = 0; i < start && s < e && token[s] == content; i++) s++;
        for (int i = 0; i < stop && e > s && token[e - 1] == content; i++) e--;
        return token[s..e];
    }
}
