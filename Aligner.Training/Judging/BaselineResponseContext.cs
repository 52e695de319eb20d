using Microsoft.Extensions.AI.Evaluation;

namespace Aligner.Training.Judging;

/// <summary>
/// Evaluation context for <see cref="PairwiseJudgeEvaluator"/>: the baseline response the evaluated response is
/// compared with (e.g. the upstream model's original answer when the evaluated response is its correction).
/// </summary>
public sealed class BaselineResponseContext : EvaluationContext
{
    /// <summary>The context name under which the baseline is recorded.</summary>
    public const string ContextName = "Baseline Response";

    /// <summary>Creates the context.</summary>
    /// <param name="baselineResponse">The baseline response text.</param>
    public BaselineResponseContext(string baselineResponse) : base(ContextName, baselineResponse)
    {
        ArgumentNullException.ThrowIfNull(baselineResponse);
        BaselineResponse = baselineResponse;
    }

    /// <summary>The baseline response text.</summary>
    public string BaselineResponse { get; }
}
