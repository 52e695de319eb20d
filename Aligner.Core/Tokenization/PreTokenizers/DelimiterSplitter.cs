namespace Aligner.Tokenization.PreTokenizers;

/// <summary>Splits text at delimiter matches with a <see cref="SplitBehavior"/>, as <c>NormalizedString::split</c> does.</summary>
internal static class DelimiterSplitter
{
    public static void Split(PreTokenPiece piece, List<(int Start, int End)> matches, bool invert, SplitBehavior behavior, List<PreTokenPiece> output)
    {
        var text = piece.Text;
        var spans = new List<(int Start, int End, bool IsMatch)>(matches.Count * 2 + 1);
        int last = 0;
        foreach (var (s, e) in matches)
        {
            if (s > last) spans.Add((last, s, invert));
            spans.Add((s, e, !invert));
            last = e;
        }
        if (last < text.Length) spans.Add((last, text.Length, invert));

        var kept = new List<(int Start, int End)>(spans.Count);
        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var s in spans) if (!s.IsMatch) kept.Add((s.Start, s.End));
                break;
            case SplitBehavior.Isolated:
                foreach (var s in spans) kept.Add((s.Start, s.End));
                break;
            case SplitBehavior.MergedWithPrevious:
            {
                bool previousMatch = false;
                foreach (var s in spans)
                {
                    if (s.IsMatch && !previousMatch && kept.Count > 0) kept[^1] = (kept[^1].Start, s.End);
                    else kept.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                bool previousMatch = false;
                for (int i = spans.Count - 1; i >= 0; i--)
                {
                    var s = spans[i];
                    if (s.IsMatch && !previousMatch && kept.Count > 0) kept[^1] = (s.Start, kept[^1].End);
                    else kept.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                kept.Reverse();
                break;
            }
            case SplitBehavior.Contiguous:
            {
                bool previousMatch = false;
                foreach (var s in spans)
                {
                    if (s.IsMatch == previousMatch && kept.Count > 0) kept[^1] = (kept[^1].Start, s.End);
                    else kept.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                break;
            }
        }
        foreach (var (s, e) in kept)
            if (e > s) output.Add(new PreTokenPiece(text[s..e], piece.AtStart && s == 0));
    }
}
