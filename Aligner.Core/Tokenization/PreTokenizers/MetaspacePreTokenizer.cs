namespace Aligner.Tokenization.PreTokenizers;

/// <summary>When the Metaspace pre-tokenizer puts the replacement character in front of a piece.</summary>
internal enum PrependScheme
{
    Always,
    First,
    Never,
}

/// <summary>The Metaspace pre-tokenizer: spaces become <c>▁</c>, a prefix <c>▁</c> is added per the scheme, and pieces split before each <c>▁</c>.</summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme prependScheme, bool split) : IPreTokenizer
{
    public List<PreTokenPiece> PreTokenize(List<PreTokenPiece> pieces)
    {
        var output = new List<PreTokenPiece>(pieces.Count * 4);
        foreach (var piece in pieces)
        {
            var text = piece.Text.Replace(' ', replacement);
            bool prepend = prependScheme switch
            {
                PrependScheme.Always => !text.StartsWith(replacement),
                PrependScheme.First => piece.AtStart && !text.StartsWith(replacement),
                _ => false,
            };
            if (prepend) text = replacement + text;
            var rewritten = piece with { Text = text };
            if (!split)
            {
                if (text.Length > 0) output.Add(rewritten);
                continue;
            }
            var matches = new List<(int, int)>();
            for (int i = 0; i < text.Length; i++) if (text[i] == replacement) matches.Add((i, i + 1));
            DelimiterSplitter.Split(rewritten, matches, false, SplitBehavior.MergedWithNext, output);
        }
        return output;
    }
}
