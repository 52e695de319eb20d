using Aligner.Core.Tests.Support;
using Aligner.Facts;
using Microsoft.Extensions.Logging;

namespace Aligner.Core.Tests.Pipeline;

public class FactCheckPipelineTests
{
    private static ScriptedCorrectionModel Corrector() => new((q, a) => "rewritten: " + a);

    [Fact]
    public async Task A_fixed_claim_is_the_result_without_gate_or_generation()
    {
        var model = Corrector();
        int gateCalls = 0;
        var gate = CorrectionGate.FromPredicate((_, _) => { Interlocked.Increment(ref gateCalls); return ValueTask.FromResult(true); });
        var aligner = new ResidualAligner(model, new AlignerOptions { FactCheckers = FactCheckers.BuiltIn, Gate = gate });

        var result = await aligner.CorrectAsync(new CorrectionRequest("What is 17 + 26?", "17 + 26 = 33, easy."));

        Assert.Equal("17 + 26 = 43, easy.", result.CorrectedAnswer);
        Assert.True(result.Changed);
        Assert.False(result.IsFallback);
        Assert.False(result.Kept);
        Assert.Equal(0, result.Rounds);
        var check = Assert.Single(result.FactChecks!);
        Assert.Equal(("arithmetic", "33", "43"), (check.CheckerId, check.Claim, check.Expected));
        Assert.Empty(model.Prompts);
        Assert.Equal(0, gateCalls);
    }

    [Fact]
    public async Task Answers_without_a_checkable_error_go_on_to_the_corrector()
    {
        var model = Corrector();
        var aligner = new ResidualAligner(model, new AlignerOptions { FactCheckers = FactCheckers.BuiltIn });
        var results = await aligner.CorrectBatchAsync([
            new CorrectionRequest("What is 17 + 26?", "43."),
            new CorrectionRequest("How do I boil an egg?", "Figure it out."),
            new CorrectionRequest("What is the capital of Canada?", "Toronto is the capital of Canada."),
        ]);
        Assert.Equal("rewritten: 43.", results[0].CorrectedAnswer);
        Assert.Null(results[0].FactChecks);
        Assert.Equal("rewritten: Figure it out.", results[1].CorrectedAnswer);
        Assert.Equal("Ottawa is the capital of Canada.", results[2].CorrectedAnswer);
        Assert.Equal(2, model.Prompts.Count);
    }

    [Fact]
    public async Task Checkers_run_in_order_each_on_the_previous_output()
    {
        var first = new FixedChecker("first", "cat", "dog");
        var second = new FixedChecker("second", "dog", "fox");
        var aligner = new ResidualAligner(Corrector(), new AlignerOptions { FactCheckers = [first, second] });
        var result = await aligner.CorrectAsync(new CorrectionRequest("Which animal?", "A cat."));
        Assert.Equal("A fox.", result.CorrectedAnswer);
        Assert.Equal(["first", "second"], result.FactChecks!.Select(c => c.CheckerId));
    }

    [Fact]
    public async Task A_throwing_checker_is_logged_and_skipped()
    {
        var logger = new CapturingLogger<ResidualAligner>();
        var aligner = new ResidualAligner(Corrector(), new AlignerOptions { FactCheckers = [new ThrowingChecker(), FactCheckers.BuiltIn[2]] }, logger);
        var result = await aligner.CorrectAsync(new CorrectionRequest("Capital of Japan?", "Kyoto."));
        Assert.Equal("Tokyo.", result.CorrectedAnswer);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("'broken'") && e.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task Streaming_returns_the_fixed_answer_at_once()
    {
        var model = Corrector();
        var aligner = new ResidualAligner(model, new AlignerOptions { FactCheckers = FactCheckers.BuiltIn });
        var updates = new List<CorrectionUpdate>();
        await foreach (var u in aligner.CorrectStreamingAsync(new CorrectionRequest("How many grams are in a kilogram?", "There are 100 grams in a kilogram.")))
            updates.Add(u);
        Assert.Equal("There are 1,000 grams in a kilogram.", string.Concat(updates.Select(u => u.TextDelta)));
        Assert.Equal("unit-conversion", Assert.Single(updates[^1].Result!.FactChecks!).CheckerId);
        Assert.Empty(model.Prompts);
    }

    [Fact]
    public void A_null_checker_is_an_option_error()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResidualAligner(Corrector(), new AlignerOptions { FactCheckers = [null!] }));
        Assert.Contains("AlignerOptions.FactCheckers[0]", e.Message);
    }

    private sealed class FixedChecker(string id, string from, string to) : IFactChecker
    {
        public string Id => id;

        public FactCheck? Check(string question, string answer) =>
            answer.Contains(from) ? new FactCheck { CheckerId = id, Claim = from, Expected = to, Reason = "test", CorrectedAnswer = answer.Replace(from, to) } : null;
    }

    private sealed class ThrowingChecker : IFactChecker
    {
        public string Id => "broken";

        public FactCheck? Check(string question, string answer) => throw new InvalidOperationException("boom");
    }
}
