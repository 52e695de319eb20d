using System.Text;

namespace Aligner.Tokenization.Decoders;

/// <summary>The ByteLevel decoder: alphabet characters back to bytes, then UTF-8 with invalid sequences as U+FFFD.</summary>
internal sealed class ByteLevelDecoder : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
            if (!ByteLevelAlphabet.TryAppendBytes(token, bytes))
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
        return [Encoding.UTF8.GetString(bytes.ToArray())];
    }
}
