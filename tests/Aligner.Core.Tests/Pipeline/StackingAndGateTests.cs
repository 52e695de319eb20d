using Aligner.Core.Tests.Support;

namespace Aligner.Core.Tests.Pipeline;

public class StackingAndGateTests
{
    [Fact]
    public async Task Rounds_stack_and_stop_early_when_nothing_changes()
    {
        // Each round adds one "!" until there are three.
        var model = new ScriptedCorrectionModel((q, a) => a.EndsWith("!!!") ? a : a + "!");
        var aligner = new ResidualAligner(model, new AlignerOptions { MaxRounds = 10 });
        var result = await aligner.CorrectAsync(new CorrectionRequest("Q", "Hi"));
        Assert.Equal("Hi!!!", result.CorrectedAnswer);
        Assert.Equal(4, result.Rounds); // three changing rounds and the one that confirmed
        Assert.Equal(["Hi", "Hi!", "Hi!!", "Hi!!!"], model.Prompts.Select(p => ScriptedCorrectionModel.Parse(p).Answer));
        Assert.Equal(model.Prompts.Sum(p => p.Text.Length), result.PromptTokens);
        Assert.Equal("Hi!".Length + "Hi!!".Length + "Hi!!!".Length * 2, result.GeneratedTokens);
    }

    [Fact]
    public async Task Rounds_are_capped()
    {
        var model = new ScriptedCorrectionModel((q, a) => a + "!");
        var result = await new ResidualAligner(model, new AlignerOptions { MaxRounds = 2 }).CorrectAsync(new CorrectionRequest("Q", "Hi"));
        Assert.Equal("Hi!!", result.CorrectedAnswer);
        Assert.Equal(2, result.Rounds);
    }

    [Fact]
    public async Task A_failing_later_round_keeps_the_earlier_correction()
    {
        var model = new ScriptedCorrectionModel((q, a) => a == "Hi" ? "Hello" : throw new IOException("second round failed"));
        var result = await new ResidualAligner(model, new AlignerOptions { MaxRounds = 3 }).CorrectAsync(new CorrectionRequest("Q", "Hi"));
        Assert.Equal("Hello", result.CorrectedAnswer);
        Assert.False(result.IsFallback);
        Assert.Equal(1, result.Rounds);
    }

    [Fact]
    public async Task The_gate_keeps_what_it_declines_as_a_decision_not_a_fallback()
    {
        var model = new ScriptedCorrectionModel((q, a) => "corrected");
        var aligner = new ResidualAligner(model, new AlignerOptions { Gate = CorrectionGate.FromPredicate((r, _) => ValueTask.FromResult(r.Question.Contains("risky"))) });
        var kept = await aligner.CorrectAsync(new CorrectionRequest("harmless", "fine"));
        Assert.False(kept.IsFallback);
        Assert.True(kept.Kept);
        Assert.False(kept.Gate!.Correct);
        Assert.Equal("predicate", kept.Gate.GateId);
        Assert.Equal("fine", kept.CorrectedAnswer);
        Assert.Equal(0, kept.Rounds);
        var corrected = await aligner.CorrectAsync(new CorrectionRequest("risky", "bad"));
        Assert.Equal("corrected", corrected.CorrectedAnswer);
        Assert.True(corrected.Gate!.Correct);
        Assert.Single(model.Prompts);
    }

    [Fact]
    public async Task Results_report_model_tokens_and_latency()
    {
        var model = new ScriptedCorrectionModel((q, a) => "Paris.", modelId: "aligner-test-7b");
        var result = await new ResidualAligner(model).CorrectAsync(new CorrectionRequest("Capital of France?", "Lyon."));
        Assert.Equal("aligner-test-7b", result.ModelId);
        Assert.True(result.Changed);
        Assert.Equal(CorrectionPromptTemplate.V1.Render("Capital of France?", "Lyon.").Text.Length, result.PromptTokens);
        Assert.Equal("Paris.".Length, result.GeneratedTokens);
        Assert.True(result.Latency > TimeSpan.Zero);
        Assert.Equal(1, result.Rounds);
    }
}
