using Aligner.Core.Tests.Support;

namespace Aligner.Core.Tests.Pipeline;

public class InputValidationTests
{
    private static ScriptedCorrectionModel Model() => new((q, a) => a + " (fixed)");

    [Theory]
    [InlineData(null, "answer", "Question")]
    [InlineData("", "answer", "Question")]
    [InlineData("  \n", "answer", "Question")]
    [InlineData("question", null, "Answer")]
    [InlineData("question", "", "Answer")]
    [InlineData("question", "\t ", "Answer")]
    public async Task Empty_input_throws_naming_the_field(string? question, string? answer, string field)
    {
        var model = Model();
        var aligner = new ResidualAligner(model);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => aligner.CorrectAsync(new CorrectionRequest(question!, answer!)));
        Assert.Equal(field, e.ParamName);
        Assert.Contains($"CorrectionRequest.{field}", e.Message);
        Assert.Empty(model.Prompts);
    }

    [Fact]
    public async Task Empty_input_passes_through_when_configured()
    {
        var model = Model();
        var aligner = new ResidualAligner(model, new AlignerOptions { OnInvalidInput = InvalidInputBehavior.PassThrough });
        var result = await aligner.CorrectAsync(new CorrectionRequest("Q?", "   "));
        Assert.Equal(FallbackReason.InvalidInput, result.FallbackReason);
        Assert.True(result.IsFallback);
        Assert.Equal("   ", result.CorrectedAnswer);
        Assert.Equal(0, result.Rounds);
        Assert.Contains("Answer", result.FallbackDetail);
        Assert.Empty(model.Prompts);
    }

    [Fact]
    public async Task A_template_that_needs_an_instruction_rejects_requests_without_one()
    {
        var aligner = new ResidualAligner(Model(), new AlignerOptions { Template = CorrectionPromptTemplate.Instruct });
        var e = await Assert.ThrowsAsync<ArgumentException>(() => aligner.CorrectAsync(new CorrectionRequest("Q", "A")));
        Assert.Equal("Instruction", e.ParamName);
        var ok = await aligner.CorrectAsync(new CorrectionRequest("Q", "A") { Instruction = "more empathic" });
        Assert.Equal("A (fixed)", ok.CorrectedAnswer);
    }

    [Fact]
    public async Task Invalid_per_request_generation_options_are_rejected_by_name()
    {
        var aligner = new ResidualAligner(Model());
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            aligner.CorrectAsync(new CorrectionRequest("Q", "A") { Generation = GenerationOptions.Greedy with { TopP = 0 } }));
        Assert.Contains("TopP", e.Message);
    }

    [Fact]
    public void Invalid_options_are_rejected_at_construction_naming_each_option()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResidualAligner(Model(), new AlignerOptions { MaxRounds = 0, MaxBatchSize = -1, Timeout = TimeSpan.Zero, DegenerateRepetitionThreshold = 0 }));
        Assert.Contains("AlignerOptions.MaxRounds", e.Message);
        Assert.Contains("AlignerOptions.MaxBatchSize", e.Message);
        Assert.Contains("AlignerOptions.Timeout", e.Message);
        Assert.Contains("AlignerOptions.DegenerateRepetitionThreshold", e.Message);
    }
}
