namespace Aligner.Training.Judging;

/// <summary>
/// Counts of pairwise verdicts and the paper's win rate w = (N_win − N_lose) / (N_win + N_lose + N_equal) × 100,
/// in [−100, 100]. Unparsable verdicts are counted apart and left out of the rate.
/// </summary>
/// <param name="Wins">Comparisons the candidate won.</param>
/// <param name="Losses">Comparisons the candidate lost.</param>
/// <param name="Ties">Comparisons judged equal (including those where the two position orders disagreed).</param>
/// <param name="Unparsable">Comparisons without a usable verdict.</param>
public sealed record WinRateTally(int Wins, int Losses, int Ties, int Unparsable)
{
    /// <summary>No verdicts.</summary>
    public static WinRateTally Empty { get; } = new(0, 0, 0, 0);

    /// <summary>Counts the verdicts.</summary>
    /// <param name="verdicts">The verdicts.</param>
    public static WinRateTally From(IEnumerable<PairwiseVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        return verdicts.Aggregate(Empty, (tally, verdict) => tally.Add(verdict));
    }

    /// <summary>This tally with one more verdict.</summary>
    /// <param name="verdict">The verdict.</param>
    public WinRateTally Add(PairwiseVerdict verdict) => verdict switch
    {
        PairwiseVerdict.Win => this with { Wins = Wins + 1 },
        PairwiseVerdict.Lose => this with { Losses = Losses + 1 },
        PairwiseVerdict.Equal => this with { Ties = Ties + 1 },
        PairwiseVerdict.Unparsable => this with { Unparsable = Unparsable + 1 },
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "Unknown verdict."),
    };

    /// <summary>Comparisons with a usable verdict: N_win + N_lose + N_equal.</summary>
    public int Decided => Wins + Losses + Ties;

    /// <summary>All comparisons, unparsable ones included.</summary>
    public int Total => Decided + Unparsable;

    /// <summary>The win rate in percent, or <see langword="null"/> when no comparison has a usable verdict.</summary>
    public double? WinRate => Decided == 0 ? null : 100.0 * (Wins - Losses) / Decided;
}
