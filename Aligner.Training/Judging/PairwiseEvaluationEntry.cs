namespace Aligner.Training.Judging;

/// <summary>The pairwise evaluation of one candidate set against its baselines on one criterion.</summary>
/// <param name="Name">What was compared, e.g. <c>corrected vs original</c>.</param>
/// <param name="Criterion">The criterion.</param>
/// <param name="Tally">The verdict counts and the win rate.</param>
/// <param name="PositionDisagreements">Comparisons whose two position orders gave opposite verdicts (order bias of the judge).</param>
/// <param name="Judgments">Every judgment, in input order (empty when not kept).</param>
public sealed record PairwiseEvaluationEntry(
    string Name,
    JudgingCriterion Criterion,
    WinRateTally Tally,
    int PositionDisagreements,
    IReadOnlyList<PairwiseJudgment> Judgments)
{
    /// <summary>Builds an entry from judgments.</summary>
    /// <param name="name">What was compared.</param>
    /// <param name="criterion">The criterion.</param>
    /// <param name="judgments">The judgments.</param>
    public static PairwiseEvaluationEntry FromJudgments(string name, JudgingCriterion criterion, IReadOnlyList<PairwiseJudgment> judgments)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(judgments);
        return new PairwiseEvaluationEntry(name, criterion, WinRateTally.From(judgments.Select(j => j.Verdict)),
            judgments.Count(j => j.PositionsDisagree), judgments);
    }
}
