namespace Aligner;

/// <summary>
/// Recognises degenerate corrector output: a text that mostly repeats itself, the usual way a small model fails.
/// Two measures, either of which must exceed the threshold (a share of the text, see
/// <see cref="AlignerOptions.DegenerateRepetitionThreshold"/>):
/// <list type="bullet">
/// <item>word 4-grams: the share of words covered by occurrences of the most frequent 4-gram, when it occurs at least
/// three times in a text of at least 12 words (catches "I am sorry. I am sorry. I am sorry...");</item>
/// <item>a periodic tail: the share of characters covered by the text's end repeating with a period of at most 64
/// characters at least three times, in a text of at least 32 characters (catches "!!!!!!!!" and "abcabcabc...").</item>
/// </list>
/// </summary>
public static class DegenerateOutputDetector
{
    private const int NGram = 4;
    private const int MinWords = 12;
    private const int MinChars = 32;
    private const int MaxPeriod = 64;
    private const int MinRepeats = 3;

    /// <summary>Whether <paramref name="text"/> is degenerate at <paramref name="threshold"/> (a share in (0, 1]; 1 disables the check).</summary>
    public static bool IsDegenerate(string text, double threshold)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (threshold >= 1) return false;
        return RepeatedNGramShare(text) > threshold || PeriodicTailShare(text) > threshold;
    }

    /// <summary>Share of words covered by the most frequent word 4-gram (0 when it occurs fewer than three times or the text is short).</summary>
    public static double RepeatedNGramShare(string text)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < MinWords) return 0;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? best = null;
        int bestCount = 0;
        for (int i = 0; i + NGram <= words.Length; i++)
        {
            var key = string.Join(' ', words, i, NGram);
            int c = counts[key] = counts.GetValueOrDefault(key) + 1;
            if (c > bestCount) { bestCount = c; best = key; }
        }
        if (bestCount < MinRepeats) return 0;
        var covered = new bool[words.Length];
        for (int i = 0; i + NGram <= words.Length; i++)
            if (string.Join(' ', words, i, NGram) == best)
                for (int j = i; j < i + NGram; j++) covered[j] = true;
        return covered.Count(c => c) / (double)words.Length;
    }

    /// <summary>Share of characters covered by the longest periodic tail (period ≤ 64, at least three periods), or 0.</summary>
    public static double PeriodicTailShare(string text)
    {
        if (text.Length < MinChars) return 0;
        int best = 0;
        for (int period = 1; period <= Math.Min(MaxPeriod, text.Length / MinRepeats); period++)
        {
            int i = text.Length - 1;
            while (i - period >= 0 && text[i] == text[i - period]) i--;
            int tail = text.Length - 1 - i + period;
            if (tail >= MinRepeats * period && tail > best) best = tail;
        }
        return Math.Min(best, text.Length) / (double)text.Length;
    }
}
