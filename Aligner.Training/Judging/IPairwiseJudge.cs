namespace Aligner.Training.Judging;

/// <summary>Compares a candidate response with a baseline response to the same question on one criterion.</summary>
public interface IPairwiseJudge
{
    /// <summary>Judges one comparison. Implementations are safe to call concurrently.</summary>
    /// <param name="comparison">The question, the candidate and the baseline.</param>
    /// <param name="criterion">What to compare them on.</param>
    /// <param name="cancellationToken">Cancels the judgment.</param>
    Task<PairwiseJudgment> JudgeAsync(PairwiseComparison comparison, JudgingCriterion criterion, CancellationToken cancellationToken = default);
}
