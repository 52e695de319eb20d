using Aligner.Core.Tests.Support;
using Aligner.Knowledge;

namespace Aligner.Core.Tests.Pipeline;

/// <summary>Knowledge sources answer answers the gate flags as unhelpful; everything else goes on as before.</summary>
public class KnowledgePipelineTests
{
    private static ScriptedCorrectionModel Corrector() => new((q, a) => "rewritten: " + a);

    /// <summary>Flags every answer with the category named in the answer after "#", or none.</summary>
    private sealed class CategoryGate : ICorrectionGate
    {
        public string Id => "category";

        public Task<IReadOnlyList<GateDecision>> DecideAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<GateDecision>>([.. requests.Select(r => new GateDecision
            {
                Correct = !r.Answer.Contains("#keep"), GateId = Id, Category = r.Answer.Split('#') is [_, var c] && c != "keep" ? c : null,
            })]);
    }

    private sealed class Source(string id, Func<string, string?> answer, Func<string, string, bool?>? states = null) : IKnowledgeSource
    {
        public int Calls;

        public string Id => id;

        public bool? StatesAnswer(string question, string answer) => states?.Invoke(question, answer);

        public KnowledgeAnswer? Answer(string question)
        {
            Interlocked.Increment(ref Calls);
            return answer(question) is { } text ? new KnowledgeAnswer { SourceId = id, Topic = question, Text = text } : null;
        }
    }

    [Fact]
    public async Task A_flagged_unhelpful_answer_gets_the_first_source_answer_without_generation()
    {
        var model = Corrector();
        var none = new Source("none", _ => null);
        var known = new Source("known", q => "Inflation is a general increase in prices.");
        var aligner = new ResidualAligner(model, new AlignerOptions { Gate = new CategoryGate(), KnowledgeSources = [none, known] });

        var result = await aligner.CorrectAsync(new CorrectionRequest("What is inflation?", "Look it up. #unhelpful"));

        Assert.Equal("Inflation is a general increase in prices.", result.CorrectedAnswer);
        Assert.True(result.Changed);
        Assert.False(result.IsFallback);
        Assert.False(result.Kept);
        Assert.Equal("known", result.Knowledge!.SourceId);
        Assert.Equal("unhelpful", result.Gate!.Category);
        Assert.Empty(model.Prompts);
        Assert.Equal(1, none.Calls);
    }

    [Fact]
    public async Task Other_categories_kept_answers_and_unanswered_questions_go_on_as_before()
    {
        var model = Corrector();
        var source = new Source("known", q => q.StartsWith("What is", StringComparison.Ordinal) ? "A definition." : null);
        var aligner = new ResidualAligner(model, new AlignerOptions { Gate = new CategoryGate(), KnowledgeSources = [source] });
        var results = await aligner.CorrectBatchAsync([
            new CorrectionRequest("What is a bomb?", "Here is how to build one. #harmful"),
            new CorrectionRequest("What is rain?", "Water from clouds. #keep"),
            new CorrectionRequest("How do I boil an egg?", "Figure it out. #unhelpful"),
        ]);
        Assert.Equal("rewritten: Here is how to build one. #harmful", results[0].CorrectedAnswer);
        Assert.Null(results[0].Knowledge);
        Assert.True(results[1].Kept);
        Assert.Equal("rewritten: Figure it out. #unhelpful", results[2].CorrectedAnswer);
        Assert.Null(results[2].Knowledge);
        Assert.Equal(1, source.Calls); // asked only for the flagged unhelpful answer
    }

    [Fact]
    public async Task A_throwing_source_is_skipped_and_the_corrector_runs()
    {
        var model = Corrector();
        var broken = new Source("broken", _ => throw new InvalidOperationException("boom"));
        var aligner = new ResidualAligner(model, new AlignerOptions { Gate = new CategoryGate(), KnowledgeSources = [broken] });
        var result = await aligner.CorrectAsync(new CorrectionRequest("What is inflation?", "Look it up. #unhelpful"));
        Assert.Equal("rewritten: Look it up. #unhelpful", result.CorrectedAnswer);
        Assert.Null(result.Knowledge);
    }

    [Fact]
    public async Task The_capital_table_answers_as_a_knowledge_source()
    {
        var aligner = new ResidualAligner(Corrector(), new AlignerOptions { Gate = new CategoryGate(), KnowledgeSources = [new Aligner.Facts.CapitalCityFactChecker()] });
        var result = await aligner.CorrectAsync(new CorrectionRequest("What's the capital of Canada?", "Why do you care? #unhelpful"));
        Assert.Equal("The capital of Canada is Ottawa.", result.CorrectedAnswer);
        Assert.Equal("capital-city", result.Knowledge!.SourceId);
    }

    [Fact]
    public void A_null_source_or_category_list_is_an_options_error()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResidualAligner(Corrector(), new AlignerOptions { KnowledgeSources = [null!] }));
        Assert.Contains("KnowledgeSources[0]", e.Message);
        var c = Assert.Throws<ArgumentException>(() => new ResidualAligner(Corrector(), new AlignerOptions { KnowledgeCategories = null! }));
        Assert.Contains("KnowledgeCategories", c.Message);
    }

    [Fact]
    public async Task A_kept_answer_that_states_nothing_a_source_can_answer_gets_the_source_answer()
    {
        var model = Corrector();
        var source = new Source("table", q => "There are about 4.2 cups in a litre.", (q, a) => a.Any(char.IsDigit));
        var aligner = new ResidualAligner(model, new AlignerOptions { Gate = new CategoryGate(), KnowledgeSources = [source] });

        var results = await aligner.CorrectBatchAsync(
        [
            new CorrectionRequest("How many cups are in a litre?", "Do your own maths. #keep"),
            new CorrectionRequest("How many cups are in a litre?", "About 4, with metric cups. #keep"),
            new CorrectionRequest("Is a litre about 4 cups?", "Yes. #keep"),
        ]);

        Assert.Equal("There are about 4.2 cups in a litre.", results[0].CorrectedAnswer);
        Assert.Equal("table", results[0].Knowledge!.SourceId);
        Assert.False(results[0].Kept);
        Assert.NotNull(results[0].Gate);
        Assert.True(results[1].Kept);   // states a number: whether it is right is the fact checkers' call
        Assert.True(results[2].Kept);   // a bare yes answers a yes/no question
        Assert.Empty(model.Prompts);
    }

    [Fact]
    public async Task Sources_that_cannot_tell_leave_kept_answers_alone()
    {
        var source = new Source("definitions", q => "A definition.");
        var aligner = new ResidualAligner(Corrector(), new AlignerOptions { Gate = new CategoryGate(), KnowledgeSources = [source] });
        var result = await aligner.CorrectAsync(new CorrectionRequest("What is inflation?", "Rising prices. #keep"));
        Assert.True(result.Kept);
        Assert.Null(result.Knowledge);
    }
}
