namespace Aligner.Tokenization.PreTokenizers;

/// <summary>The Digits pre-tokenizer: isolates digits, one by one or in runs.</summary>
internal sealed class DigitsPreTokenizer(bool individualDigits) : IPreTokenizer
{
    public List<PreTokenPiece> PreTokenize(List<PreTokenPiece> pieces)
    {
        var output = new List<PreTokenPiece>(pieces.Count * 2);
        foreach (var piece in pieces)
        {
            var matches = new List<(int, int)>();
            var text = piece.Text;
            for (int i = 0; i < text.Length; i++)
                if (char.IsNumber(text, i)) matches.Add((i, i + 1));
            DelimiterSplitter.Split(piece, matches, false, individualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous, output);
        }
        return output;
    }
}
