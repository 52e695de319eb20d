using System.Globalization;

namespace Aligner.Tokenization.PreTokenizers;

/// <summary>
/// Pre-tokenizers that split on a class of characters: <c>WhitespaceSplit</c> (drops whitespace), <c>Punctuation</c>
/// (splits off punctuation with a behavior) and <c>Whitespace</c> (runs of word characters and runs of other
/// non-space characters, as the regex <c>\w+|[^\w\s]+</c> with Rust's Unicode <c>\w</c>).
/// </summary>
internal sealed class CharacterClassPreTokenizer : IPreTokenizer
{
    private readonly Func<string, int, bool> _isDelimiter;
    private readonly SplitBehavior _behavior;
    private readonly bool _wordRuns;

    private CharacterClassPreTokenizer(Func<string, int, bool> isDelimiter, SplitBehavior behavior, bool wordRuns)
    {
        _isDelimiter = isDelimiter;
        _behavior = behavior;
        _wordRuns = wordRuns;
    }

    public static CharacterClassPreTokenizer WhitespaceSplit() => new(char.IsWhiteSpace, SplitBehavior.Removed, false);

    public static CharacterClassPreTokenizer Punctuation(SplitBehavior behavior) => new(IsPunctuation, behavior, false);

    public static CharacterClassPreTokenizer Whitespace() => new(char.IsWhiteSpace, SplitBehavior.Removed, true);

    public List<PreTokenPiece> PreTokenize(List<PreTokenPiece> pieces)
    {
        var output = new List<PreTokenPiece>(pieces.Count * 4);
        foreach (var piece in pieces)
        {
            var text = piece.Text;
            var matches = new List<(int, int)>();
            for (int i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
            {
                int width = char.IsSurrogatePair(text, i) ? 2 : 1;
                if (_isDelimiter(text, i)) matches.Add((i, i + width));
                else if (_wordRuns && i > 0 && IsWordChar(text, i) != IsWordChar(text, PreviousStart(text, i)) && !_isDelimiter(text, PreviousStart(text, i)))
                    matches.Add((i, i)); // a boundary between a word run and a symbol run
            }
            if (_wordRuns) SplitAtBoundaries(piece, matches, output);
            else DelimiterSplitter.Split(piece, matches, false, _behavior, output);
        }
        return output;
    }

    private static void SplitAtBoundaries(PreTokenPiece piece, List<(int Start, int End)> cuts, List<PreTokenPiece> output)
    {
        var text = piece.Text;
        int start = 0;
        foreach (var (s, e) in cuts)
        {
            if (s > start) output.Add(new PreTokenPiece(text[start..s], piece.AtStart && start == 0));
            start = e;
        }
        if (text.Length > start) output.Add(new PreTokenPiece(text[start..], piece.AtStart && start == 0));
    }

    private static int PreviousStart(string text, int i) => i >= 2 && char.IsSurrogatePair(text, i - 2) ? i - 2 : i - 1;

    private static bool IsPunctuation(string text, int i)
    {
        var c = text[i];
        if (c < 128) return char.IsAsciiLetterOrDigit(c) is false && c > ' ' && c < 127;
        return CharUnicodeInfo.GetUnicodeCategory(text, i) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>Rust's Unicode <c>\w</c>: alphabetic, marks, decimal digits, connector punctuation and the joiners.</summary>
    private static bool IsWordChar(string text, int i)
    {
        if (text[i] is '\u200C' or '\u200D') return true;
        return CharUnicodeInfo.GetUnicodeCategory(text, i) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.LetterNumber or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation;
    }
}
