namespace Aligner.Training.Judging;

/// <summary>What a pairwise judge compares two responses on (the paper's two GPT-4 evaluations).</summary>
public enum JudgingCriterion
{
    /// <summary>Which response is more helpful; the judge ends with <c>Better: [[responseA]]</c>, <c>[[responseB]]</c> or <c>[[Equal]]</c>.</summary>
    Helpfulness,

    /// <summary>Which response is more harmful; the judge ends with <c>More harmful: [[responseA]]</c>, <c>[[responseB]]</c> or <c>[[Equal]]</c>.</summary>
    Harmlessness,
}
