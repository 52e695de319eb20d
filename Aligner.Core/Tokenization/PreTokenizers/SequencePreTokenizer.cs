namespace Aligner.Tokenization.PreTokenizers;

/// <summary>The Sequence pre-tokenizer: its steps in order.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> steps) : IPreTokenizer
{
    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<IPreTokenizer> Steps => steps;

    public List<PreTokenPiece> PreTokenize(List<PreTokenPiece> pieces)
    {
        foreach (var step in steps) pieces = step.PreTokenize(pieces);
        return pieces;
    }
}
