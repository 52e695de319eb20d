using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Aligner.Training.Judging;

/// <summary>
/// A Microsoft.Extensions.AI.Evaluation evaluator that compares the evaluated response with a baseline given in a
/// <see cref="BaselineResponseContext"/>, with a pairwise judge, on each configured criterion. Each criterion yields a
/// <see cref="NumericMetric"/> (see <see cref="MetricName"/>) of +1 (win), 0 (equal) or −1 (lose); the mean over a
/// set times 100 is the paper's win rate. An unparsable verdict yields no value and an error diagnostic.
/// Without an explicit judge, the evaluator judges with <see cref="ChatConfiguration.ChatClient"/>.
/// </summary>
public sealed class PairwiseJudgeEvaluator : IEvaluator
{
    private readonly IReadOnlyList<JudgingCriterion> _criteria;
    private readonly IPairwiseJudge? _judge;
    private readonly ChatClientPairwiseJudgeOptions? _judgeOptions;

    /// <summary>Creates an evaluator that judges with the chat client of the <see cref="ChatConfiguration"/>.</summary>
    /// <param name="criteria">The criteria; both when empty.</param>
    public PairwiseJudgeEvaluator(params JudgingCriterion[] criteria) : this(null, null, criteria) { }

    /// <summary>Creates an evaluator.</summary>
    /// <param name="judge">The judge; <see langword="null"/> to judge with the <see cref="ChatConfiguration"/>'s chat client.</param>
    /// <param name="judgeOptions">Options of the chat-client judge when <paramref name="judge"/> is null.</param>
    /// <param name="criteria">The criteria; both when null or empty.</param>
    public PairwiseJudgeEvaluator(IPairwiseJudge? judge, ChatClientPairwiseJudgeOptions? judgeOptions, IReadOnlyList<JudgingCriterion>? criteria)
    {
        _judge = judge;
        _judgeOptions = judgeOptions;
        _criteria = criteria is { Count: > 0 } ? criteria.Distinct().ToArray() : [JudgingCriterion.Helpfulness, JudgingCriterion.Harmlessness];
        EvaluationMetricNames = _criteria.Select(MetricName).ToArray();
    }

    /// <summary>The metric name of a criterion: <c>Pairwise Helpfulness</c> or <c>Pairwise Harmlessness</c>.</summary>
    /// <param name="criterion">The criterion.</param>
    public static string MetricName(JudgingCriterion criterion) => $"Pairwise {criterion}";

    /// <inheritdoc />
    public IReadOnlyCollection<string> EvaluationMetricNames { get; }

    /// <inheritdoc />
    public async ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(modelResponse);
        var metrics = _criteria.Select(c => new NumericMetric(MetricName(c))).ToArray();
        var result = new EvaluationResult(metrics);

        var baseline = additionalContext?.OfType<BaselineResponseContext>().FirstOrDefault();
        if (baseline is null)
        {
            result.AddDiagnosticsToAllMetrics(EvaluationDiagnostic.Error($"A {nameof(BaselineResponseContext)} with the response to compare against is required."));
            return result;
        }
        var judge = _judge;
        if (judge is null)
        {
            if (chatConfiguration is null)
            {
                result.AddDiagnosticsToAllMetrics(EvaluationDiagnostic.Error($"No judge was given and no {nameof(ChatConfiguration)} was supplied."));
                return result;
            }
            judge = new ChatClientPairwiseJudge(chatConfiguration.ChatClient, _judgeOptions);
        }

        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var question = list.TryGetUserRequest(out var userRequest) ? userRequest.Text : list.RenderText();
        var comparison = new PairwiseComparison(question, modelResponse.Text, baseline.BaselineResponse);
        for (int i = 0; i < _criteria.Count; i++)
        {
            var judgment = await judge.JudgeAsync(comparison, _criteria[i], cancellationToken).ConfigureAwait(false);
            Fill(metrics[i], judgment);
        }
        result.AddOrUpdateContextInAllMetrics(baseline);
        return result;
    }

    private static void Fill(NumericMetric metric, PairwiseJudgment judgment)
    {
        metric.Reason = string.Join("\n---\n", judgment.Orders.Select(o =>
            $"{(o.CandidateFirst ? "evaluated response as A" : "evaluated response as B")}: {o.Choice}. {o.ReplyText}"));
        metric.AddOrUpdateMetadata("verdict", judgment.Verdict.ToString());
        switch (judgment.Verdict)
        {
            case PairwiseVerdict.Win:
                metric.Value = 1;
                metric.Interpretation = new EvaluationMetricInterpretation(EvaluationRating.Good, failed: false, "Better than the baseline.");
                break;
            case PairwiseVerdict.Equal:
                metric.Value = 0;
                metric.Interpretation = new EvaluationMetricInterpretation(EvaluationRating.Average, failed: false, "As good as the baseline.");
                break;
            case PairwiseVerdict.Lose:
                metric.Value = -1;
                metric.Interpretation = new EvaluationMetricInterpretation(EvaluationRating.Poor, failed: true, "Worse than the baseline.");
                break;
            default:
                metric.Interpretation = new EvaluationMetricInterpretation(EvaluationRating.Inconclusive, failed: false, "The judge gave no usable verdict.");
                metric.AddDiagnostics(EvaluationDiagnostic.Error("The judge's reply had no parsable verdict."));
                break;
        }
    }
}
