namespace Aligner.Training.Evaluation;

/// <summary>
/// chrF, the character n-gram F-score of a hypothesis against a reference (Popović, 2015), as sacreBLEU 2 computes it
/// by default: whitespace removed, character n-grams of orders 1 to 6, β = 2 (recall weighted twice as much as
/// precision), the F-score of each order averaged over the orders that both strings have n-grams of, scaled to 0–100.
/// </summary>
public static class ChrF
{
    /// <summary>Highest n-gram order.</summary>
    public const int MaxOrder = 6;

    /// <summary>Weight of recall against precision.</summary>
    public const double Beta = 2;

    /// <summary>The chrF score (0–100) of <paramref name="hypothesis"/> against <paramref name="reference"/>.</summary>
    /// <remarks>Two strings without any non-whitespace character score 100; one such string against another scores 0.</remarks>
    public static double Score(string hypothesis, string reference)
    {
        ArgumentNullException.ThrowIfNull(hypothesis);
        ArgumentNullException.ThrowIfNull(reference);
        var hyp = WithoutWhitespace(hypothesis);
        var refText = WithoutWhitespace(reference);
        if (hyp.Length == 0 || refText.Length == 0) return hyp.Length == refText.Length ? 100 : 0;
        double sum = 0;
        int orders = 0;
        double beta2 = Beta * Beta;
        for (int n = 1; n <= MaxOrder; n++)
        {
            if (hyp.Length < n || refText.Length < n) break;
            var hypCounts = Counts(hyp, n);
            var refCounts = Counts(refText, n);
            int matches = 0;
            foreach (var (gram, count) in hypCounts)
                if (refCounts.TryGetValue(gram, out int inRef)) matches += Math.Min(count, inRef);
            double precision = (double)matches / (hyp.Length - n + 1);
            double recall = (double)matches / (refText.Length - n + 1);
            double denominator = beta2 * precision + recall;
            sum += denominator > 0 ? (1 + beta2) * precision * recall / denominator : 0;
            orders++;
        }
        return 100 * sum / orders;
    }

    private static string WithoutWhitespace(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    private static Dictionary<string, int> Counts(string text, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + n <= text.Length; i++)
        {
            var gram = text.Substring(i, n);
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }
}
