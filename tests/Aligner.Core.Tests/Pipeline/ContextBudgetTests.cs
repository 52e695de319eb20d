using Aligner.Core.Tests.Support;

namespace Aligner.Core.Tests.Pipeline;

public class ContextBudgetTests
{
    private static readonly string LongAnswer = "HEAD-" + string.Concat(Enumerable.Range(0, 200).Select(i => $"w{i} ")) + "-TAIL";
    private static readonly GenerationOptions Gen = GenerationOptions.Greedy with { MaxNewTokens = 50 };

    [Fact]
    public async Task Truncation_keeps_head_and_tail_and_fits_exactly_within_the_context()
    {
        var model = new ScriptedCorrectionModel((q, a) => "short fix", contextLength: 400);
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = Gen });
        var result = await aligner.CorrectAsync(new CorrectionRequest("Why?", LongAnswer));

        Assert.True(result.AnswerTruncated);
        Assert.False(result.IsFallback);
        Assert.Equal("short fix", result.CorrectedAnswer);
        Assert.Equal(LongAnswer, result.OriginalAnswer);
        var prompt = Assert.Single(model.Prompts);
        var seen = ScriptedCorrectionModel.Parse(prompt).Answer;
        Assert.StartsWith("HEAD-w0 ", seen);
        Assert.EndsWith(" w199 -TAIL", seen);
        Assert.Contains(ResidualAligner.TruncationMarker.Trim(), seen);
        Assert.True(prompt.Text.Length + Gen.MaxNewTokens <= 400);
        // The longest cut that fits, found by brute force.
        int best = Enumerable.Range(0, LongAnswer.Length).Last(k => CorrectionPromptTemplate.V1.Render("Why?", ResidualAligner.Shorten(LongAnswer, k)).Text.Length + 50 <= 400);
        Assert.Equal(ResidualAligner.Shorten(LongAnswer, best), seen);
    }

    [Fact]
    public async Task A_prompt_that_fits_is_not_truncated()
    {
        var model = new ScriptedCorrectionModel((q, a) => a, contextLength: 100_000);
        var result = await new ResidualAligner(model, new AlignerOptions { Generation = Gen }).CorrectAsync(new CorrectionRequest("Why?", LongAnswer));
        Assert.False(result.AnswerTruncated);
        Assert.Equal(LongAnswer, ScriptedCorrectionModel.Parse(Assert.Single(model.Prompts)).Answer);
    }

    [Fact]
    public async Task Refuse_throws_with_the_numbers()
    {
        var model = new ScriptedCorrectionModel((q, a) => "x", contextLength: 400);
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = Gen, OnContextOverflow = ContextOverflowPolicy.Refuse });
        var e = await Assert.ThrowsAsync<ContextBudgetExceededException>(() => aligner.CorrectAsync(new CorrectionRequest("Why?", LongAnswer)));
        Assert.Equal(400, e.ContextLength);
        Assert.Equal(50, e.MaxNewTokens);
        Assert.Equal(CorrectionPromptTemplate.V1.Render("Why?", LongAnswer).Text.Length, e.PromptTokens);
        Assert.Empty(model.Prompts);
    }

    [Fact]
    public async Task Pass_through_returns_the_answer_flagged()
    {
        var model = new ScriptedCorrectionModel((q, a) => "x", contextLength: 400);
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = Gen, OnContextOverflow = ContextOverflowPolicy.PassThrough });
        var result = await aligner.CorrectAsync(new CorrectionRequest("Why?", LongAnswer));
        Assert.Equal(FallbackReason.ContextOverflow, result.FallbackReason);
        Assert.Equal(LongAnswer, result.CorrectedAnswer);
        Assert.Empty(model.Prompts);
    }

    [Fact]
    public async Task A_question_too_long_for_any_answer_falls_back_or_throws()
    {
        var model = new ScriptedCorrectionModel((q, a) => "x", contextLength: 200);
        var question = new string('q', 300);
        var fallback = await new ResidualAligner(model, new AlignerOptions { Generation = Gen }).CorrectAsync(new CorrectionRequest(question, "A"));
        Assert.Equal(FallbackReason.ContextOverflow, fallback.FallbackReason);
        var e = await Assert.ThrowsAsync<CorrectionFailedException>(() =>
            new ResidualAligner(model, new AlignerOptions { Generation = Gen, OnFailure = FailureBehavior.Throw }).CorrectAsync(new CorrectionRequest(question, "A")));
        Assert.Equal(FallbackReason.ContextOverflow, e.Reason);
        Assert.IsType<ContextBudgetExceededException>(e.InnerException);
        Assert.Empty(model.Prompts);
    }

    [Fact]
    public void Shorten_never_splits_a_surrogate_pair()
    {
        var answer = string.Concat(Enumerable.Repeat("😀", 20));
        for (int keep = 0; keep < answer.Length; keep++)
        {
            var s = ResidualAligner.Shorten(answer, keep);
            for (int i = 0; i < s.Length; i++)
            {
                if (char.IsHighSurrogate(s[i])) Assert.True(i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]));
                if (char.IsLowSurrogate(s[i])) Assert.True(i > 0 && char.IsHighSurrogate(s[i - 1]));
            }
        }
    }
}
