namespace Aligner.Tokenization.PreTokenizers;

/// <summary>The Split pre-tokenizer: splits at matches of a string or regex pattern.</summary>
internal sealed class SplitPreTokenizer(TextPattern pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    /// <summary>The pattern split at (the GGUF exporter names llama.cpp's pre-tokenizer from it).</summary>
    public TextPattern Pattern => pattern;

    public List<PreTokenPiece> PreTokenize(List<PreTokenPiece> pieces)
    {
        var output = new List<PreTokenPiece>(pieces.Count * 4);
        foreach (var piece in pieces)
            DelimiterSplitter.Split(piece, pattern.FindMatches(piece.Text), invert, behavior, output);
        return output;
    }
}
