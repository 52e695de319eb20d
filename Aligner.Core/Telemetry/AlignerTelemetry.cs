using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Aligner;

/// <summary>
/// The library's <see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>, both named
/// <see cref="SourceName"/> ("Aligner"). Subscribe with OpenTelemetry's <c>AddSource("Aligner")</c> / <c>AddMeter("Aligner")</c>.
/// No instrument or span carries user text; tags are the model id, the backend and the outcome.
/// </summary>
public static class AlignerTelemetry
{
    /// <summary>Name of the activity source and the meter.</summary>
    public const string SourceName = "Aligner";

    /// <summary>Counter of finished corrections (tags <see cref="ModelTag"/>, <see cref="OutcomeTag"/>).</summary>
    public const string CorrectionsInstrument = "aligner.corrections";

    /// <summary>Counter of corrections that returned the original answer (tags <see cref="ModelTag"/>, <see cref="OutcomeTag"/> = the reason).</summary>
    public const string FallbacksInstrument = "aligner.fallbacks";

    /// <summary>Histogram of the wall-clock time of a correction, in seconds (tags <see cref="ModelTag"/>, <see cref="OutcomeTag"/>).</summary>
    public const string LatencyInstrument = "aligner.correction.duration";

    /// <summary>Histogram of tokens per correction (tags <see cref="ModelTag"/>, <see cref="TokenTypeTag"/> = <c>prompt</c> or <c>generated</c>).</summary>
    public const string TokensInstrument = "aligner.tokens";

    /// <summary>Tag: the corrector's model id.</summary>
    public const string ModelTag = "aligner.model";

    /// <summary>Up-down counter: generation requests waiting for a batch in a local backend.</summary>
    public const string QueueLengthInstrument = "aligner.generation.queue_length";

    /// <summary>Histogram (seconds): time a generation request waited for its batch.</summary>
    public const string QueueWaitInstrument = "aligner.generation.queue_wait";

    /// <summary>Histogram: rows decoded together per batch.</summary>
    public const string BatchSizeInstrument = "aligner.generation.batch_size";

    /// <summary>Counter of correction-gate decisions (tag <see cref="GateDecisionTag"/> = <c>keep</c> or <c>correct</c>).</summary>
    public const string GateDecisionsInstrument = "aligner.gate.decisions";

    /// <summary>Histogram (seconds): time of one gate call (all requests of a batch together).</summary>
    public const string GateDurationInstrument = "aligner.gate.duration";

    /// <summary>Counter of claims fixed by fact checkers (tag <see cref="FactCheckerTag"/> = the checker's id).</summary>
    public const string FactChecksInstrument = "aligner.fact_checks";

    /// <summary>Tag: the id of the fact checker that fixed a claim (<see cref="IFactChecker.Id"/>).</summary>
    public const string FactCheckerTag = "aligner.fact_checker";

    /// <summary>Tag: the gate's decision, <c>keep</c> or <c>correct</c>.</summary>
    public const string GateDecisionTag = "aligner.gate.decision";

    /// <summary>Tag: <c>corrected</c>, <c>unchanged</c>, or the <see cref="FallbackReason"/> in snake case.</summary>
    public const string OutcomeTag = "aligner.outcome";

    /// <summary>Tag: <c>prompt</c> or <c>generated</c>.</summary>
    public const string TokenTypeTag = "aligner.token.type";

    /// <summary>OpenTelemetry GenAI attribute: the model a request names (set on spans to the corrector's model id).</summary>
    public const string GenAiRequestModelTag = "gen_ai.request.model";

    /// <summary>OpenTelemetry GenAI attribute: the operation (<c>text_completion</c> for a correction).</summary>
    public const string GenAiOperationNameTag = "gen_ai.operation.name";

    /// <summary>OpenTelemetry GenAI attribute: prompt tokens of the correction (all rounds).</summary>
    public const string GenAiInputTokensTag = "gen_ai.usage.input_tokens";

    /// <summary>OpenTelemetry GenAI attribute: generated tokens of the correction (all rounds).</summary>
    public const string GenAiOutputTokensTag = "gen_ai.usage.output_tokens";

    /// <summary>OpenTelemetry GenAI attribute on token histograms: <c>input</c> or <c>output</c>.</summary>
    public const string GenAiTokenTypeTag = "gen_ai.token.type";

    internal static readonly string Version = typeof(AlignerTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>Spans: <c>aligner.correct</c> per correction, <c>aligner.correct_batch</c> per batch.</summary>
    public static ActivitySource ActivitySource { get; } = new(SourceName, Version);

    /// <summary>
    /// The meter of the instruments above when no <see cref="IMeterFactory"/> is given (an aligner built by
    /// <c>AddAligner</c> in a host records on the meter of the host's <see cref="IMeterFactory"/>; see <see cref="AlignerMetrics"/>).
    /// </summary>
    public static Meter Meter { get; } = new(SourceName, Version);

    /// <summary>The outcome tag value of a result.</summary>
    public static string Outcome(CorrectionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.FallbackReason == FallbackReason.None
            ? result.Changed ? "corrected" : result.Kept ? "kept" : "unchanged"
            : ReasonName(result.FallbackReason);
    }

    /// <summary>A fallback reason in snake case (<c>none</c>, <c>timeout</c>, <c>backend_error</c>, ...), as tags and headers show it.</summary>
    public static string ReasonName(FallbackReason reason)
    {
        return reason switch
        {
            FallbackReason.None => "none",
            FallbackReason.Skipped => "skipped",
            FallbackReason.Timeout => "timeout",
            FallbackReason.BackendError => "backend_error",
            FallbackReason.EmptyOutput => "empty_output",
            FallbackReason.DegenerateOutput => "degenerate_output",
            FallbackReason.ContextOverflow => "context_overflow",
            FallbackReason.InvalidInput => "invalid_input",
            FallbackReason.Overloaded => "overloaded",
            FallbackReason.OffTopicOutput => "off_topic_output",
            _ => reason.ToString().ToLowerInvariant(),
        };
    }

    internal static void Tag(Activity? activity, CorrectionResult result)
    {
        if (activity is null) return;
        activity.SetTag(ModelTag, result.ModelId);
        activity.SetTag(GenAiOperationNameTag, "text_completion");
        activity.SetTag(GenAiRequestModelTag, result.ModelId);
        activity.SetTag(GenAiInputTokensTag, result.PromptTokens);
        activity.SetTag(GenAiOutputTokensTag, result.GeneratedTokens);
        activity.SetTag(OutcomeTag, Outcome(result));
        activity.SetTag("aligner.rounds", result.Rounds);
        activity.SetTag("aligner.prompt_tokens", result.PromptTokens);
        activity.SetTag("aligner.generated_tokens", result.GeneratedTokens);
        activity.SetTag("aligner.answer_truncated", result.AnswerTruncated);
        if (result.Gate is { } gate) activity.SetTag(GateDecisionTag, gate.Correct ? "correct" : "keep");
        if (result.FactChecks is { Count: > 0 } checks) activity.SetTag(FactCheckerTag, string.Join(",", checks.Select(c => c.CheckerId)));
        if (result.FallbackReason is FallbackReason.Timeout or FallbackReason.BackendError or FallbackReason.EmptyOutput or FallbackReason.DegenerateOutput)
            activity.SetStatus(ActivityStatusCode.Error, Outcome(result));
    }
}
