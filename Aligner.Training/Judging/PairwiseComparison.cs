namespace Aligner.Training.Judging;

/// <summary>
/// One item to judge: a question and two responses to it. The <see cref="Candidate"/> is what is being evaluated
/// (e.g. the corrected answer), the <see cref="Baseline"/> what it is compared with (e.g. the original answer).
/// </summary>
/// <param name="Question">The question both responses answer.</param>
/// <param name="Candidate">The response under evaluation.</param>
/// <param name="Baseline">The response it is compared with.</param>
public sealed record PairwiseComparison(string Question, string Candidate, string Baseline)
{
    /// <summary>An optional identifier carried into the judgment and the report.</summary>
    public string? Id { get; init; }
}
