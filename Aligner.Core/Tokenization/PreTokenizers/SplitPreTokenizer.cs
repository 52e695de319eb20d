namespace Aligner.Tokenization.PreTokenizers;

/// <summary>The Split pre-tokenizer: splits at matches of a string or regex pattern.</summary>
internal sealed class SplitPreTokenizer(TextPattern pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    public List<PreTokenPiece> PreTokenize(List<PreTokenPiece> pieces)
    {
        var output = new List<PreTokenPiece>(pieces.Count * 4);
        foreach (var piece in pieces)
            DelimiterSplitter.Split(piece, pattern.FindMatches(piece.Text), invert, behavior, output);
        return output;
    }
}
