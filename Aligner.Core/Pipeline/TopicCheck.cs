using Microsoft.Extensions.AI;

namespace Aligner;

/// <summary>
/// Checks that a correction is still about the question (<see cref="AlignerOptions.TopicCheck"/>). A small corrector
/// asked to make a dismissive answer helpful, on a topic it knows nothing about, writes fluent text about something
/// else ("Why is the sky blue?" → a running plan): worse than the answer it replaces. When the sentence embeddings of the
/// question and the correction are less similar than <see cref="MinSimilarity"/>, the original answer comes back, with
/// <see cref="FallbackReason.OffTopicOutput"/> (a fallback: never counted as a success).
/// </summary>
public sealed class TopicCheck
{
    /// <summary>
    /// The sentence encoder whose vectors are compared by cosine. <see langword="null"/> (default): the gate's, when the
    /// gate is an <see cref="Gating.EmbeddingCorrectionGate"/> (e.g. all-MiniLM-L6-v2), also inside a <see cref="Gating.SafetyRulesGate"/>; with another gate it must be set.
    /// </summary>
    public IEmbeddingGenerator<string, Embedding<float>>? Encoder { get; init; }

    /// <summary>
    /// Least cosine similarity between question and correction, in [-1, 1]; -1 lets everything through. Default 0.15:
    /// with the shipped corrector and gate (all-MiniLM-L6-v2), on data v2's validation split the corrections of
    /// dismissive answers that <c>aligner eval</c> counts as helpful scored 0.21–0.48 and 70 of the other 146 scored
    /// under 0.15 (all kept: 13/172 helpful with or without the check); on the test split it discards 2 of 40 helpful
    /// ones (0.11, 0.13) and 42 others; on the hand-written set, 9 of 13 off-topic rewrites and none of the on-topic ones.
    /// </summary>
    public double MinSimilarity { get; init; } = 0.15;

    /// <summary>
    /// The gate categories (<see cref="GateDecision.Category"/>) whose corrections are checked. Default <c>unhelpful</c>:
    /// a refusal of a harmful request is off-topic by design and is never checked.
    /// </summary>
    public IReadOnlyList<string> Categories { get; init; } = ["unhelpful"];
}
