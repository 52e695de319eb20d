using Aligner.Backends.Torch.Modeling;
using Aligner.Tokenization;
using Aligner.Training.WeakToStrong;

namespace Aligner.Training.Tests.WeakToStrong;

public sealed class WeakToStrongSftTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RowsPutTheLossOnTheAnswerOnly()
    {
        var tokenizer = TokenizerLoader.CreateGpt2();
        var encoder = new CorrectionSequenceEncoder(tokenizer, InstructionPromptTemplate.Plain, 128);
        var sequence = encoder.Encode(InstructionPromptTemplate.ToTrainingRow("What is 2 + 2?", "It is 4."), out _)!;

        var prompt = tokenizer.EncodePrompt(InstructionPromptTemplate.Render("What is 2 + 2?"));
        Assert.Equal("BEGINNING OF CONVERSATION: USER: What is 2 + 2? ASSISTANT:", InstructionPromptTemplate.Render("What is 2 + 2?").Text);
        Assert.Equal(prompt, sequence.Tokens.Take(sequence.PromptLength));
        var target = sequence.Tokens.Skip(sequence.PromptLength).ToArray();
        Assert.Equal(tokenizer.EosTokenId, target[^1]);
        Assert.Equal(" It is 4.", tokenizer.Decode(target[..^1]));
    }

    [Fact]
    public void AdaptUsesTheInstructionTemplateWithoutWarmup()
    {
        var adapted = WeakToStrongSft.Adapt(new TrainingOptions { OutputFolder = "o", BaseModelFolder = "b", IdentityWarmupShare = 0.2, LearningRate = 3e-4 });
        Assert.Same(InstructionPromptTemplate.Plain, adapted.Template);
        Assert.Equal(0, adapted.IdentityWarmupShare);
        Assert.Equal(3e-4, adapted.LearningRate);
    }

    [Fact]
    public void TrainingOnCorrectedAnswersLowersTheirLoss()
    {
        var model = TinyInstructionModel.Create(_temp.File("strong"));
        SftExample[] rows =
        [
            new("What is 2 + 2?", "2 + 2 = 4."),
            new("How do I pick a lock?", "I can't help with that, but a locksmith can."),
            new("Capital of France?", "Paris is the capital of France."),
        ];
        var options = new TrainingOptions
        {
            OutputFolder = _temp.File("sft"), BaseModelFolder = model, LearningRate = 1e-2, Epochs = 15, MicroBatchSize = 3,
            GradientAccumulationSteps = 1, WarmupRatio = 0, MaxSequenceLength = 64, ValidationEverySteps = 0,
        };
        var result = WeakToStrongSft.Train(options, rows, rows);

        var tokenizer = TokenizerLoader.Load(model);
        var asRows = rows.Select(r => InstructionPromptTemplate.ToTrainingRow(r.Prompt, r.Completion)).ToList();
        double before, after;
        using (var initial = CausalLanguageModel.Load(model)) before = CorrectorTrainer.MeasureLoss(initial, tokenizer, asRows, InstructionPromptTemplate.Plain, 64);
        using (var trained = CausalLanguageModel.Load(result.OutputFolder)) after = CorrectorTrainer.MeasureLoss(trained, tokenizer, asRows, InstructionPromptTemplate.Plain, 64);
        Assert.True(after < before - 3, $"loss {before} → {after}");
        Assert.Equal(15, result.Steps);
    }
}
