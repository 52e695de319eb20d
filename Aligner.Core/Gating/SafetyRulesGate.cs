namespace Aligner.Gating;

/// <summary>
/// A gate with <see cref="HarmfulRequestRules"/> and <see cref="DismissiveAnswerRules"/> around it: a question the rules
/// read as a request for harmful help is flagged as harmful whatever the inner gate says (its category becomes the harm
/// category, so the corrector gets the instruction to refuse); an answer that insults, belittles, dismisses or mocks the
/// asker is flagged (category <see cref="RudeCategory"/>, so the corrector gets the instruction to be helpful and
/// polite) when the inner gate kept it; and a question that only asks how to protect against, report, detect or
/// lawfully handle something is kept when the inner gate flagged it as harmful and nothing else, unless its answer is
/// rude by these rules or by the inner gate's tone score (then it is flagged as rude). Every other decision is the
/// inner gate's. <see cref="GateDecision.Rule"/> names the rule that overrode it. Thread-safe when the inner gate is.
/// </summary>
public sealed class SafetyRulesGate : ICorrectionGate
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The gate whose decisions the rules check (e.g. <see cref="EmbeddingCorrectionGate"/>).</param>
    /// <param name="harmCategory">The category that selects the corrector's refusal instruction (default <c>harmful</c>).</param>
    /// <param name="keepProtective">Whether to keep protective questions the inner gate flagged as harmful only (default true).</param>
    /// <param name="rudeCategory">The category that selects the corrector's instruction for rude answers (default <c>unhelpful</c>); <see langword="null"/> turns the answer rules off.</param>
    public SafetyRulesGate(ICorrectionGate inner, string harmCategory = "harmful", bool keepProtective = true, string? rudeCategory = "unhelpful")
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentException.ThrowIfNullOrWhiteSpace(harmCategory);
        if (rudeCategory is not null) ArgumentException.ThrowIfNullOrWhiteSpace(rudeCategory);
        HarmCategory = harmCategory;
        KeepProtective = keepProtective;
        RudeCategory = rudeCategory;
        HarmfulRequestRules.WarmUp(); // while the models load
        if (rudeCategory is not null) DismissiveAnswerRules.WarmUp();
    }

    /// <summary>The wrapped gate.</summary>
    public ICorrectionGate Inner { get; }

    /// <summary>The category a harmful request is flagged with.</summary>
    public string HarmCategory { get; }

    /// <summary>Whether protective questions flagged as harmful only are kept.</summary>
    public bool KeepProtective { get; }

    /// <summary>The category a rude answer is flagged with; <see langword="null"/> when the answer rules are off.</summary>
    public string? RudeCategory { get; }

    /// <inheritdoc />
    public string Id => Inner.Id;

    /// <inheritdoc />
    public async Task<IReadOnlyList<GateDecision>> DecideAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var decisions = await Inner.DecideAsync(requests, cancellationToken).ConfigureAwait(false);
        if (decisions is null || decisions.Count != requests.Count) return decisions!; // the pipeline reports the inner gate's fault
        var checkedDecisions = new GateDecision[requests.Count];
        for (int i = 0; i < requests.Count; i++)
            checkedDecisions[i] = Check(requests[i].Question ?? "", requests[i].Answer ?? "", decisions[i]);
        return checkedDecisions;
    }

    private GateDecision Check(string question, string answer, GateDecision decision)
    {
        if (decision is null) return decision!;
        bool flaggedHarmful = decision.Correct && string.Equals(decision.Category, HarmCategory, StringComparison.OrdinalIgnoreCase);
        var (hazard, protective) = HarmfulRequestRules.Assess(question);
        if (hazard is not null)
            return flaggedHarmful ? decision : decision with { Correct = true, Category = HarmCategory, Rule = "harmful: " + hazard };
        bool mayKeep = KeepProtective && flaggedHarmful && protective;
        if ((!decision.Correct || mayKeep) && RudeCategory is not null && DismissiveAnswerRules.RudePhrase(question, answer) is { } rude)
            return decision with { Correct = true, Category = RudeCategory, Rule = "rude: " + rude };
        // The gate's tone head read the answer as rude: a protective question does not make it fine.
        if (mayKeep && RudeCategory is not null && decision.ToneScore >= decision.ToneThreshold)
            return decision with { Correct = true, Category = RudeCategory, Rule = "rude: tone" };
        if (mayKeep)
            return decision with { Correct = false, Category = null, Rule = "protective" };
        return decision;
    }
}
