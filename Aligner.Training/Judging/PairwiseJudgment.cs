namespace Aligner.Training.Judging;

/// <summary>The combined result of judging one <see cref="PairwiseComparison"/> in both position orders.</summary>
/// <param name="Comparison">What was judged.</param>
/// <param name="Criterion">The criterion it was judged on.</param>
/// <param name="Verdict">The combined verdict (see <see cref="PairwiseVerdicts.Combine"/>).</param>
/// <param name="Orders">The reply for each position order (candidate first, then baseline first).</param>
public sealed record PairwiseJudgment(
    PairwiseComparison Comparison,
    JudgingCriterion Criterion,
    PairwiseVerdict Verdict,
    IReadOnlyList<OrderedJudgment> Orders)
{
    /// <summary>Whether the two orders gave opposite verdicts (a sign of position bias in the judge).</summary>
    public bool PositionsDisagree =>
        Orders.Any(o => o.Verdict == PairwiseVerdict.Win) && Orders.Any(o => o.Verdict == PairwiseVerdict.Lose);
}
