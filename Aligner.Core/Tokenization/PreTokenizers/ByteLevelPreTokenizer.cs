namespace Aligner.Tokenization.PreTokenizers;

/// <summary>
/// The ByteLevel pre-tokenizer: optionally adds a prefix space and splits with the GPT-2 regex, then rewrites each
/// piece's UTF-8 bytes as <see cref="ByteLevelAlphabet"/> characters.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly TextPattern Gpt2Regex = TextPattern.FromRegex(Gpt2Pattern);

    /// <summary>Whether pieces are split with GPT-2's regex.</summary>
    public bool UseRegex => useRegex;

    public List<PreTokenPiece> PreTokenize(List<PreTokenPiece> pieces)
    {
        var split = new List<PreTokenPiece>(pieces.Count * 4);
        foreach (var piece in pieces)
        {
            var p = addPrefixSpace && !piece.Text.StartsWith(' ') ? piece with { Text = " " + piece.Text } : piece;
            if (useRegex) DelimiterSplitter.Split(p, Gpt2Regex.FindMatches(p.Text), false, SplitBehavior.Isolated, split);
            else if (p.Text.Length > 0) split.Add(p);
        }
        for (int i = 0; i < split.Count; i++)
            split[i] = split[i] with { Text = ByteLevelAlphabet.Encode(split[i].Text) };
        return split;
    }
}
