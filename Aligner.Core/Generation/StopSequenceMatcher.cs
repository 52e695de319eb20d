namespace Aligner.Generation;

/// <summary>Finds stop sequences in growing text and tells how much text is safe to stream (cannot start a stop sequence).</summary>
public sealed class StopSequenceMatcher
{
    private readonly IReadOnlyList<string> _stops;

    /// <summary>Creates a matcher.</summary>
    public StopSequenceMatcher(IReadOnlyList<string> stopSequences) => _stops = stopSequences;

    /// <summary>Index of the earliest stop sequence in <paramref name="text"/>, searching from <paramref name="searchFrom"/>, or -1.</summary>
    public int FindStop(string text, int searchFrom)
    {
        int best = -1;
        foreach (var stop in _stops)
        {
            int start = Math.Max(0, searchFrom - stop.Length + 1);
            int i = text.IndexOf(stop, start, StringComparison.Ordinal);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best;
    }

    /// <summary>Length of the prefix of <paramref name="text"/> that no stop sequence can still claim.</summary>
    public int SafeLength(string text)
    {
        int hold = 0;
        foreach (var stop in _stops)
            for (int len = Math.Min(stop.Length - 1, text.Length); len > hold; len--)
                if (string.CompareOrdinal(text, text.Length - len, stop, 0, len) == 0) { hold = len; break; }
        int safe = text.Length - hold;
        // Never split a surrogate pair.
        if (safe > 0 && char.IsHighSurrogate(text[safe - 1])) safe--;
        return safe;
    }
}
