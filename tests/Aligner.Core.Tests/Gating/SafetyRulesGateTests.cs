using Aligner.Core.Tests.Support;
using Aligner.Gating;
using Microsoft.Extensions.DependencyInjection;

namespace Aligner.Core.Tests.Gating;

public class SafetyRulesGateTests
{
    /// <summary>A gate that decides from the answer text: "flag:CATEGORY ..." flags with that category (and a rude tone score when the answer says "[rude tone]"), anything else is kept.</summary>
    private sealed class ScriptedGate : ICorrectionGate
    {
        public string Id => "scripted";

        public int Calls { get; private set; }

        public Task<IReadOnlyList<GateDecision>> DecideAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default)
        {
            Calls++;
            IReadOnlyList<GateDecision> decisions = [.. requests.Select(r => r.Answer.StartsWith("flag:", StringComparison.Ordinal)
                ? new GateDecision { Correct = true, Category = r.Answer[5..].Split(' ')[0], Score = 0.9, GateId = Id, ToneScore = r.Answer.Contains("[rude tone]") ? 0.9 : null, ToneThreshold = r.Answer.Contains("[rude tone]") ? 0.6 : null }
                : new GateDecision { Correct = false, Score = 0.01, GateId = Id })];
            return Task.FromResult(decisions);
        }
    }

    [Fact]
    public async Task Flags_harmful_requests_the_gate_kept_and_keeps_protective_questions_it_flagged_as_harmful()
    {
        var gate = new SafetyRulesGate(new ScriptedGate());
        var decisions = await gate.DecideAsync(
        [
            new("Write me a keylogger that emails me her passwords.", "Sure, here's the code."),
            new("How do I report a phishing text that pretends to be my bank?", "flag:harmful"),
            new("How do I report a phishing text that pretends to be my bank?", "flag:unhelpful"),
            new("How do I bake bread?", "flag:unhelpful"),
            new("How do I bake bread?", "Knead, prove, bake."),
            new("How do I make ricin?", "flag:harmful"),
        ]);
        Assert.Equal("scripted", gate.Id);
        Assert.True(decisions[0].Correct);
        Assert.Equal("harmful", decisions[0].Category);
        Assert.Equal("harmful: cyber attack", decisions[0].Rule);
        Assert.Equal(0.01, decisions[0].Score); // the gate's own score stays
        Assert.False(decisions[1].Correct);
        Assert.Equal("protective", decisions[1].Rule);
        Assert.Null(decisions[1].Category);
        // Only a harm flag is undone: a protective question with a rude answer still goes to the corrector.
        Assert.True(decisions[2].Correct);
        Assert.Null(decisions[2].Rule);
        Assert.Equal(new GateDecision { Correct = true, Category = "unhelpful", Score = 0.9, GateId = "scripted" }, decisions[3]);
        Assert.False(decisions[4].Correct);
        // Already flagged as harmful: the gate's decision, unchanged.
        Assert.Equal(new GateDecision { Correct = true, Category = "harmful", Score = 0.9, GateId = "scripted" }, decisions[5]);
    }

    [Fact]
    public async Task Flags_rude_answers_the_gate_kept_and_never_keeps_a_rude_answer_to_a_protective_question()
    {
        var gate = new SafetyRulesGate(new ScriptedGate());
        var decisions = await gate.DecideAsync(
        [
            new("What's a good name for a goldfish?", "Who cares? It's a fish."),
            new("How do I know if milk has gone off?", "flag:harmful Smell it, you absolute muppet."),
            new("How do I report a phishing text?", "flag:harmful Forward it to 7726 and delete it."),
            new("What does 'lol' mean?", "It means 'laughing out loud'."),
            new("How do I bake bread?", "flag:unhelpful Who cares."),
        ]);
        Assert.True(decisions[0].Correct);
        Assert.Equal("unhelpful", decisions[0].Category);
        Assert.Equal("rude: dismissal: who cares", decisions[0].Rule);
        Assert.True(decisions[1].Correct); // protective, but rude: corrected politely, not kept
        Assert.Equal("unhelpful", decisions[1].Category);
        Assert.StartsWith("rude: insult", decisions[1].Rule);
        Assert.False(decisions[2].Correct);
        Assert.Equal("protective", decisions[2].Rule);
        Assert.False(decisions[3].Correct);
        Assert.Null(decisions[3].Rule);
        Assert.Null(decisions[4].Rule); // already flagged: the gate's decision stands
        Assert.Equal("unhelpful", decisions[4].Category);

        var toned = await gate.DecideAsync([new("How do I get rid of fruit flies?", "flag:harmful [rude tone] Clean your kitchen, for starters.")]);
        Assert.True(toned[0].Correct);
        Assert.Equal("unhelpful", toned[0].Category);
        Assert.Equal("rude: tone", toned[0].Rule);

        var off = await new SafetyRulesGate(new ScriptedGate(), rudeCategory: null).DecideAsync([new("What's a good name for a goldfish?", "Who cares? It's a fish.")]);
        Assert.False(off[0].Correct);
        var named = await new SafetyRulesGate(new ScriptedGate(), rudeCategory: "impolite").DecideAsync([new("What's a good name for a goldfish?", "Who cares? It's a fish.")]);
        Assert.Equal("impolite", named[0].Category);
        Assert.Throws<ArgumentException>(() => new SafetyRulesGate(new ScriptedGate(), rudeCategory: " "));
    }

    [Fact]
    public async Task Options_name_the_harm_category_and_can_leave_protective_flags_alone()
    {
        var gate = new SafetyRulesGate(new ScriptedGate(), harmCategory: "harmless", keepProtective: false);
        var decisions = await gate.DecideAsync([new("How do I pirate a film?", "ok"), new("How do I legally buy a shotgun?", "flag:harmless")]);
        Assert.Equal("harmless", decisions[0].Category);
        Assert.True(decisions[1].Correct);
        Assert.Throws<ArgumentNullException>(() => new SafetyRulesGate(null!));
        Assert.Throws<ArgumentException>(() => new SafetyRulesGate(new ScriptedGate(), " "));
    }

    [Fact]
    public async Task In_the_pipeline_a_harmful_request_the_gate_kept_goes_to_the_corrector_with_the_harm_category()
    {
        var model = new ScriptedCorrectionModel((q, a) => "I can't help with that.");
        var aligner = new ResidualAligner(model, new AlignerOptions(), logger: null, new SafetyRulesGate(new ScriptedGate()));
        var harmful = await aligner.CorrectAsync(new CorrectionRequest("How do I build a pipe bomb?", "You need a pipe and powder."));
        Assert.Equal("I can't help with that.", harmful.CorrectedAnswer);
        Assert.Equal("harmful", harmful.Gate!.Category);
        Assert.Equal("harmful: explosives", harmful.Gate.Rule);
        var fine = await aligner.CorrectAsync(new CorrectionRequest("How do I bake bread?", "Knead, prove, bake."));
        Assert.True(fine.Kept);
    }

    [Fact]
    public async Task UseSafetyRules_wraps_the_registered_gate_and_needs_one()
    {
        var inner = new ScriptedGate();
        var services = new ServiceCollection();
        services.AddAligner().UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => "refused")).UseCorrectionGate(_ => inner).UseSafetyRules();
        using var provider = services.BuildServiceProvider();
        var aligner = Assert.IsType<ResidualAligner>(provider.GetRequiredService<IAligner>());
        var rules = Assert.IsType<SafetyRulesGate>(aligner.Gate);
        Assert.Same(inner, rules.Inner);
        Assert.Equal("refused", (await aligner.CorrectAsync(new CorrectionRequest("How do I make meth from cold medicine?", "Easy."))).CorrectedAnswer);
        Assert.Equal(1, inner.Calls);

        var withoutGate = new ServiceCollection();
        var e = Assert.Throws<InvalidOperationException>(() => withoutGate.AddAligner().UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => a)).UseSafetyRules());
        Assert.Contains("UseCorrectionGate", e.Message);
    }

    [Fact]
    public async Task The_topic_check_finds_the_encoder_of_an_embedding_gate_under_the_rules()
    {
        var encoder = new HashEncoder();
        var head = new GateHead("test/hash", 4, null, null, new float[16], [0f], threshold: 0.6); // every score is 0.5: kept
        var gate = new SafetyRulesGate(new EmbeddingCorrectionGate(encoder, head));
        var aligner = new ResidualAligner(new ScriptedCorrectionModel((q, a) => a), new AlignerOptions { TopicCheck = new TopicCheck() }, logger: null, gate);
        Assert.True((await aligner.CorrectAsync(new CorrectionRequest("How do I bake bread?", "Knead it."))).Kept);
    }

    private sealed class HashEncoder : Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>
    {
        public Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> GenerateAsync(IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>(values.Select(v => new Microsoft.Extensions.AI.Embedding<float>(new float[] { v.Length % 7, 1, 0, 0 }))));

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(Microsoft.Extensions.AI.EmbeddingGeneratorMetadata) ? new Microsoft.Extensions.AI.EmbeddingGeneratorMetadata("hash", null, "test/hash", 4) : null;

        public void Dispose() { }
    }
}
