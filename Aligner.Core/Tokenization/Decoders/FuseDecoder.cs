namespace Aligner.Tokenization.Decoders;

/// <summary>The Fuse decoder: joins all tokens into one.</summary>
internal sealed class FuseDecoder : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}
