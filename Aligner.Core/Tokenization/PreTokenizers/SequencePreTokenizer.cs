namespace Aligner.Tokenization.PreTokenizers;

/// <summary>The Sequence pre-tokenizer: its steps in order.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> steps) : IPreTokenizer
{
    public List<PreTokenPiece> PreTokenize(List<PreTokenPiece> pieces)
    {
        foreach (var step in steps) pieces = step.PreTokenize(pieces);
        return pieces;
    }
}
