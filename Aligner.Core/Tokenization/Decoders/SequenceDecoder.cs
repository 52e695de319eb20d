namespace Aligner.Tokenization.Decoders;

/// <summary>The Sequence decoder: its steps in order.</summary>
internal sealed class SequenceDecoder(IReadOnlyList<ITokenDecoder> steps) : ITokenDecoder
{
    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<ITokenDecoder> Steps => steps;

    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var step in steps) tokens = step.DecodeChain(tokens);
        return tokens;
    }
}
