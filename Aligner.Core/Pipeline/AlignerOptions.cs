namespace Aligner;

/// <summary>What to do when the question, answer and generation budget do not fit the corrector's context.</summary>
public enum ContextOverflowPolicy
{
    /// <summary>Shorten the answer, keeping its head and tail, until the prompt fits (the result says so).</summary>
    TruncateAnswer,
    /// <summary>Throw <see cref="ContextBudgetExceededException"/>.</summary>
    Refuse,
    /// <summary>Return the original answer unchanged, flagged as a fallback with <see cref="FallbackReason.ContextOverflow"/>.</summary>
    PassThrough,
}

/// <summary>What to do when a correction fails (timeout, backend error, empty or degenerate output).</summary>
public enum FailureBehavior
{
    /// <summary>Return the original answer, flagged as a fallback with the reason.</summary>
    ReturnOriginal,
    /// <summary>Throw <see cref="CorrectionFailedException"/>.</summary>
    Throw,
}

/// <summary>What to do with a null, empty or whitespace-only question or answer.</summary>
public enum InvalidInputBehavior
{
    /// <summary>Throw <see cref="ArgumentException"/> naming the field.</summary>
    Throw,
    /// <summary>Return the answer unchanged, flagged as a fallback with <see cref="FallbackReason.InvalidInput"/>.</summary>
    PassThrough,
}

/// <summary>Options of an aligner (the correction pipeline).</summary>
public sealed class AlignerOptions
{
    /// <summary>The prompt template; default <see cref="CorrectionPromptTemplate.V1"/> (the released checkpoints').</summary>
    public CorrectionPromptTemplate Template { get; set; } = CorrectionPromptTemplate.V1;

    /// <summary>Generation options; default the paper's settings (<see cref="GenerationOptions.Default"/>).</summary>
    public GenerationOptions Generation { get; set; } = GenerationOptions.Default;

    /// <summary>Time allowed for one whole correction (all rounds); <see langword="null"/> for no limit. Default 2 minutes.</summary>
    public TimeSpan? Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>What happens when a correction fails. Default <see cref="FailureBehavior.ReturnOriginal"/>.</summary>
    public FailureBehavior OnFailure { get; set; } = FailureBehavior.ReturnOriginal;

    /// <summary>What happens with empty input. Default <see cref="InvalidInputBehavior.Throw"/>.</summary>
    public InvalidInputBehavior OnInvalidInput { get; set; } = InvalidInputBehavior.Throw;

    /// <summary>What happens when the prompt does not fit. Default <see cref="ContextOverflowPolicy.TruncateAnswer"/>.</summary>
    public ContextOverflowPolicy OnContextOverflow { get; set; } = ContextOverflowPolicy.TruncateAnswer;

    /// <summary>
    /// Least room for generation the context budget keeps when <see cref="GenerationOptions.MaxNewTokens"/> does not fit
    /// beside the prompt (the room is also never less than the answer's own length, nor more than MaxNewTokens). Default 64.
    /// </summary>
    public int MinGenerationTokens { get; set; } = 64;

    /// <summary>
    /// Correction rounds ("stacking": the corrected answer is corrected again). Stops early when a round
    /// changes nothing. Default 1.
    /// </summary>
    public int MaxRounds { get; set; } = 1;

    /// <summary>
    /// Optional gate (<see cref="ICorrectionGate"/>) consulted before generation: an answer it keeps is returned byte for
    /// byte (<see cref="CorrectionResult.Kept"/>, not a fallback), in the time of one gate decision; an answer it flags
    /// goes to the corrector. Decisions are reported in <see cref="CorrectionResult.Gate"/>. When the gate itself fails,
    /// the request goes to the corrector as if there were no gate (logged as a warning). Default: no gate.
    /// <see cref="CorrectionGate.FromPredicate"/> turns a predicate into a gate; <see cref="Gating.EmbeddingCorrectionGate"/>
    /// is the trained one.
    /// </summary>
    public ICorrectionGate? Gate { get; set; }

    /// <summary>
    /// Checkers of claims that need no model (arithmetic, unit conversions, capital cities, chemical elements; <see cref="Facts.FactCheckers.BuiltIn"/>),
    /// run in order before the gate and the corrector, each on the previous one's output. When any of them fixes a wrong
    /// claim, the fixed answer is the result (<see cref="CorrectionResult.FactChecks"/> says what was fixed and why) and
    /// no generation runs; everything else in the answer is copied byte for byte. A checker that throws is logged and
    /// skipped. Default: none.
    /// </summary>
    public IReadOnlyList<IFactChecker>? FactCheckers { get; set; }

    /// <summary>
    /// Sources that answer some questions from data (<see cref="Knowledge.WordNetDefinitions"/>: what a word or name
    /// means), asked in order when the <see cref="Gate"/> flags an answer with a category of
    /// <see cref="KnowledgeCategories"/> (a dismissive or unhelpful answer): the first answer replaces the upstream
    /// answer (<see cref="CorrectionResult.Knowledge"/> says where it came from) and no generation runs. A small corrector
    /// can make a rude answer polite, but it cannot know what the question was about. A source that throws is logged and
    /// skipped. Default: none.
    /// </summary>
    public IReadOnlyList<Knowledge.IKnowledgeSource>? KnowledgeSources { get; set; }

    /// <summary>The gate categories (<see cref="GateDecision.Category"/>) whose flagged answers <see cref="KnowledgeSources"/> may answer. Default: <c>unhelpful</c>.</summary>
    public IReadOnlyList<string> KnowledgeCategories { get; set; } = ["unhelpful"];

    /// <summary>
    /// When a <see cref="Gate"/> flags an answer, the corrector must write a correction: its own keep marker
    /// (<see cref="Generation.KeepMarker"/>) is masked out. Default <see langword="true"/>: the gate, which sees the
    /// meaning of question and answer, overrides a small corrector's habit of keeping what it does not understand.
    /// Set <see langword="false"/> to let the corrector still keep flagged answers.
    /// </summary>
    public bool GateOverridesKeepMarker { get; set; } = true;

    /// <summary>
    /// With <see cref="GateOverridesKeepMarker"/>: the corrector may still keep an answer the gate flagged when its keep
    /// marker's first-step probability (under the flagged category's instruction) is at least this, so that an answer
    /// changes only when gate and corrector agree it should. <see langword="null"/> (default): the marker is masked out
    /// and the gate alone decides. The CLI uses 0.85 for the shipped corrector (chosen on data v2's validation split: no
    /// flagged harmful or unhelpful answer there scored above 0.67, while a flagged good one scored 0.89).
    /// </summary>
    public double? GateKeepVeto { get; set; }

    /// <summary>
    /// For correctors trained with the <c>instruct</c> template and one instruction per kind of problem (they declare it
    /// in <c>config.json</c> as <c>aligner_instructions</c>; see <see cref="Checkpoints.DecoderConfig.Instructions"/>):
    /// a request without its own <see cref="CorrectionRequest.Instruction"/> gets the instruction of the gate's
    /// <see cref="GateDecision.Category"/>, else the <c>default</c> entry. Keys are case-insensitive. Default <see langword="null"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Instructions { get; set; }

    /// <summary>
    /// Output whose repetition (the most frequent word 4-gram, or a periodic tail; see <see cref="DegenerateOutputDetector"/>)
    /// covers more than this share of the text is treated as degenerate. Must be in (0, 1]. Default 0.5; 1 disables the check.
    /// </summary>
    public double DegenerateRepetitionThreshold { get; set; } = 0.5;

    /// <summary>
    /// When set, a correction of an answer the gate flagged in one of <see cref="Aligner.TopicCheck.Categories"/> must stay
    /// about the question: one whose sentence embedding is further from the question's than
    /// <see cref="Aligner.TopicCheck.MinSimilarity"/> is discarded and the original answer returned, with
    /// <see cref="FallbackReason.OffTopicOutput"/>. Default <see langword="null"/> (no check); the CLI turns it on with the
    /// shipped gate's encoder.
    /// </summary>
    public TopicCheck? TopicCheck { get; set; }

    /// <summary>Most requests one <see cref="IAligner.CorrectBatchAsync"/> call sends to the model at once. Default 8.</summary>
    public int MaxBatchSize { get; set; } = 8;

    /// <summary>
    /// For correctors with a keep marker (<see cref="Generation.KeepMarker"/>): keep the answer unchanged when the
    /// marker's first-step probability is at least this. <see langword="null"/> (default) follows the model's own
    /// choice (the marker generated first). Lower it to keep more answers (fewer needless rewrites), raise it to
    /// correct more. Ignored by correctors without a marker.
    /// </summary>
    public double? KeepThreshold { get; set; }
}
