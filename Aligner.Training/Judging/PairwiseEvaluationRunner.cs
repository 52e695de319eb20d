namespace Aligner.Training.Judging;

/// <summary>Runs a judge over many comparisons, a few at a time, and tallies the verdicts.</summary>
public static class PairwiseEvaluationRunner
{
    /// <summary>Judges every comparison on one criterion; the judgments keep the input order.</summary>
    /// <param name="judge">The judge.</param>
    /// <param name="name">What is compared, e.g. <c>corrected vs original</c>.</param>
    /// <param name="comparisons">The comparisons.</param>
    /// <param name="criterion">The criterion.</param>
    /// <param name="maxConcurrency">Most judgments in flight at once. Default 4.</param>
    /// <param name="progress">Receives the number of comparisons judged so far.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    public static async Task<PairwiseEvaluationEntry> EvaluateAsync(
        IPairwiseJudge judge,
        string name,
        IReadOnlyList<PairwiseComparison> comparisons,
        JudgingCriterion criterion,
        int maxConcurrency = 4,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(judge);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(comparisons);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        var judgments = new PairwiseJudgment[comparisons.Count];
        int done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, comparisons.Count),
            new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                judgments[i] = await judge.JudgeAsync(comparisons[i], criterion, token).ConfigureAwait(false);
                progress?.Report(Interlocked.Increment(ref done));
            }).ConfigureAwait(false);
        return PairwiseEvaluationEntry.FromJudgments(name, criterion, judgments);
    }
}
