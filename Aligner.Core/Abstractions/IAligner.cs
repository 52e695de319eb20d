namespace Aligner;

/// <summary>
/// What applications call: corrects an upstream model's answer to a question with a correction model
/// (the Aligner method: a small model that learns the residual between an answer and a better one).
/// Implementations are safe to call concurrently.
/// </summary>
public interface IAligner
{
    /// <summary>Corrects one answer.</summary>
    Task<CorrectionResult> CorrectAsync(CorrectionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Corrects several answers; results are in the order of the requests.</summary>
    Task<IReadOnlyList<CorrectionResult>> CorrectBatchAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the correction as text deltas. The last update carries the full <see cref="CorrectionResult"/>.
    /// When the pipeline falls back to the original answer, the original is streamed as one delta (after any
    /// deltas already streamed, which <see cref="CorrectionUpdate.Reset"/> tells the caller to discard).
    /// </summary>
    IAsyncEnumerable<CorrectionUpdate> CorrectStreamingAsync(CorrectionRequest request, CancellationToken cancellationToken = default);
}

/// <summary>A question and an upstream answer to correct.</summary>
/// <param name="Question">The user's question (or instruction) that the answer responds to.</param>
/// <param name="Answer">The upstream model's answer.</param>
public sealed record CorrectionRequest(string Question, string Answer)
{
    /// <summary>
    /// Optional instruction for instruction-following correctors (Instruct-Aligner / MetaAligner-style templates),
    /// e.g. <c>"empathy, harmlessness"</c>. Ignored by templates without an <c>{instruction}</c> placeholder.
    /// </summary>
    public string? Instruction { get; init; }

    /// <summary>Generation options for this request only; <see langword="null"/> uses the aligner's options.</summary>
    public GenerationOptions? Generation { get; init; }
}

/// <summary>Why the pipeline returned the original answer instead of a correction.</summary>
public enum FallbackReason
{
    /// <summary>No fallback: the result is the corrector's output.</summary>
    None,
    /// <summary>Not used by <see cref="ResidualAligner"/> since gates keep answers as a decision (<see cref="CorrectionResult.Kept"/>); kept for compatibility.</summary>
    Skipped,
    /// <summary>The correction took longer than <see cref="AlignerOptions.Timeout"/>.</summary>
    Timeout,
    /// <summary>The correction model threw.</summary>
    BackendError,
    /// <summary>The correction was empty or whitespace.</summary>
    EmptyOutput,
    /// <summary>The correction was degenerate (endless repetition, or it hit the token limit while repeating).</summary>
    DegenerateOutput,
    /// <summary>The prompt did not fit the context and the policy is to pass the answer through.</summary>
    ContextOverflow,
    /// <summary>The question or answer was empty and the policy is to pass it through.</summary>
    InvalidInput,
    /// <summary>The local backend's generation queue was full (<see cref="Generation.GenerationQueueFullException"/>).</summary>
    Overloaded,
    /// <summary>The correction was not about the question (<see cref="AlignerOptions.TopicCheck"/>).</summary>
    OffTopicOutput,
}

/// <summary>The outcome of a correction.</summary>
public sealed record CorrectionResult
{
    /// <summary>The question.</summary>
    public required string Question { get; init; }
    /// <summary>The answer as given.</summary>
    public required string OriginalAnswer { get; init; }
    /// <summary>The corrected answer; equals <see cref="OriginalAnswer"/> when <see cref="IsFallback"/>.</summary>
    public required string CorrectedAnswer { get; init; }
    /// <summary>Whether <see cref="CorrectedAnswer"/> differs from <see cref="OriginalAnswer"/>.</summary>
    public bool Changed => !string.Equals(OriginalAnswer, CorrectedAnswer, StringComparison.Ordinal);
    /// <summary>Whether the original answer was returned because correction failed or was skipped.</summary>
    public bool IsFallback => FallbackReason != FallbackReason.None;
    /// <summary>Why the original answer was returned; <see cref="FallbackReason.None"/> when it was not.</summary>
    public FallbackReason FallbackReason { get; init; }
    /// <summary>Details of the fallback (exception message, ...), or <see langword="null"/>.</summary>
    public string? FallbackDetail { get; init; }
    /// <summary>The corrector's model id.</summary>
    public required string ModelId { get; init; }
    /// <summary>Prompt tokens over all rounds.</summary>
    public int PromptTokens { get; init; }
    /// <summary>Generated tokens over all rounds.</summary>
    public int GeneratedTokens { get; init; }
    /// <summary>Wall-clock time of the whole correction.</summary>
    public TimeSpan Latency { get; init; }
    /// <summary>Correction rounds run (0 when skipped or failed before the first round).</summary>
    public int Rounds { get; init; }
    /// <summary>Whether the answer was shortened to fit the context (<see cref="ContextOverflowPolicy.TruncateAnswer"/>).</summary>
    public bool AnswerTruncated { get; init; }
    /// <summary>
    /// The answer needs no correction, as decided by the gate (<see cref="Gate"/>) or by the corrector (its keep marker
    /// came first; see <see cref="Generation.KeepMarker"/>): <see cref="CorrectedAnswer"/> is the original answer, byte
    /// for byte. Not a fallback.
    /// </summary>
    public bool Kept { get; init; }
    /// <summary>The keep marker's first-step probability in the first round, for correctors that declare a marker; otherwise <see langword="null"/>.</summary>
    public double? KeepProbability { get; init; }
    /// <summary>
    /// The correction gate's decision (<see cref="AlignerOptions.Gate"/>), or <see langword="null"/> without a gate (or
    /// when the gate failed). When the gate kept the answer, <see cref="Kept"/> is true and no generation ran.
    /// </summary>
    public GateDecision? Gate { get; init; }
    /// <summary>
    /// The wrong claims that <see cref="AlignerOptions.FactCheckers"/> fixed, in the order they were fixed, or
    /// <see langword="null"/> when none was. When set, <see cref="CorrectedAnswer"/> is the answer with exactly these
    /// claims replaced, and no generation ran.
    /// </summary>
    public IReadOnlyList<FactCheck>? FactChecks { get; init; }
    /// <summary>
    /// The answer of one of <see cref="AlignerOptions.KnowledgeSources"/> when it replaced a flagged unhelpful answer
    /// (<see cref="CorrectedAnswer"/> is its text and no generation ran), or <see langword="null"/>.
    /// </summary>
    public Knowledge.KnowledgeAnswer? Knowledge { get; init; }
}

/// <summary>One step of a streamed correction.</summary>
/// <param name="TextDelta">New text of the corrected answer.</param>
/// <param name="Reset">When true, discard the text received so far: the stream restarts (fallback or a new round).</param>
/// <param name="Result">Set on the last update only.</param>
public sealed record CorrectionUpdate(string TextDelta, bool Reset = false, CorrectionResult? Result = null);
