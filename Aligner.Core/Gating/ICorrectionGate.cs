namespace Aligner;

/// <summary>
/// Decides, before any generation, whether an answer needs the corrector at all: answers it keeps are returned byte for
/// byte in milliseconds (<see cref="CorrectionResult.Kept"/>, not a fallback); answers it flags go to the corrector.
/// Implementations are thread-safe. <see cref="Gating.EmbeddingCorrectionGate"/> is the shipped implementation (a head
/// trained on sentence-encoder embeddings of the question and the answer).
/// </summary>
public interface ICorrectionGate
{
    /// <summary>Identifies the gate in results, logs and telemetry (e.g. the head's folder name).</summary>
    string Id { get; }

    /// <summary>Decides for each request; the decisions are in the order of the requests.</summary>
    /// <param name="requests">Requests whose question and answer are set (the pipeline validates them first).</param>
    /// <param name="cancellationToken">Cancels the decision.</param>
    Task<IReadOnlyList<GateDecision>> DecideAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default);
}

/// <summary>A gate's decision on one request.</summary>
public sealed record GateDecision
{
    /// <summary>Whether the answer goes to the corrector (<see langword="false"/>: it is kept as given).</summary>
    public required bool Correct { get; init; }

    /// <summary>The gate's score that the answer needs correction, in [0, 1] for probabilistic gates; <see langword="null"/> when the gate has no score.</summary>
    public double? Score { get; init; }

    /// <summary>The score above which the gate sends an answer to the corrector, when it has one.</summary>
    public double? Threshold { get; init; }

    /// <summary>The gate's probability that the request or answer is harmful, for gates trained with a harm label; otherwise <see langword="null"/>.</summary>
    public double? HarmScore { get; init; }

    /// <summary>The probability that the answer is rude or dismissive, for gates with a <see cref="Gating.ToneHead"/>; otherwise <see langword="null"/>.</summary>
    public double? ToneScore { get; init; }

    /// <summary>The tone score at or above which the answer reads as rude, for gates with a <see cref="Gating.ToneHead"/>; otherwise <see langword="null"/>.</summary>
    public double? ToneThreshold { get; init; }

    /// <summary>
    /// The kind of problem the gate sees in a flagged answer (e.g. <c>harmful</c>, <c>unhelpful</c>), for gates trained
    /// with category outputs; otherwise <see langword="null"/>. With a corrector that declares per-category instructions
    /// (<see cref="Checkpoints.DecoderConfig.Instructions"/>, <see cref="AlignerOptions.Instructions"/>) it selects the instruction.
    /// </summary>
    public string? Category { get; init; }

    /// <summary>The deciding gate's <see cref="ICorrectionGate.Id"/>.</summary>
    public required string GateId { get; init; }

    /// <summary>
    /// What overrode the gate head's own decision: a rule of <see cref="Gating.SafetyRulesGate"/> (e.g. <c>harmful: cyber
    /// attack</c>, <c>rude: dismissal: who cares</c>, <c>protective</c>) or the gate's <see cref="Gating.ToneHead"/>
    /// (<c>tone</c>); <see langword="null"/> when the head decided alone.
    /// </summary>
    public string? Rule { get; init; }
}

/// <summary>Gates built from code.</summary>
public static class CorrectionGate
{
    /// <summary>
    /// A gate from a predicate: <see langword="true"/> sends the request to the corrector, <see langword="false"/> keeps the answer.
    /// </summary>
    /// <param name="shouldCorrect">The predicate; called once per request.</param>
    /// <param name="id">The gate's id in results.</param>
    public static ICorrectionGate FromPredicate(Func<CorrectionRequest, CancellationToken, ValueTask<bool>> shouldCorrect, string id = "predicate")
    {
        ArgumentNullException.ThrowIfNull(shouldCorrect);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return new PredicateGate(shouldCorrect, id);
    }

    private sealed class PredicateGate(Func<CorrectionRequest, CancellationToken, ValueTask<bool>> shouldCorrect, string id) : ICorrectionGate
    {
        public string Id { get; } = id;

        public async Task<IReadOnlyList<GateDecision>> DecideAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(requests);
            var decisions = new GateDecision[requests.Count];
            for (int i = 0; i < requests.Count; i++)
                decisions[i] = new GateDecision { Correct = await shouldCorrect(requests[i], cancellationToken).ConfigureAwait(false), GateId = Id };
            return decisions;
        }
    }
}
