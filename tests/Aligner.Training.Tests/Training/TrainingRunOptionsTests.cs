using Aligner.Training.WeakToStrong;

namespace Aligner.Training.Tests.Training;

/// <summary>SFT and DPO options share one definition of the run (<see cref="TrainingRunOptions"/>) and keep their own defaults.</summary>
public sealed class TrainingRunOptionsTests
{
    [Fact]
    public void Each_run_type_keeps_its_defaults_and_with_keeps_the_values()
    {
        var sft = new TrainingOptions { OutputFolder = "out", BaseModelFolder = "base" };
        var dpo = new DpoOptions { OutputFolder = "out", PolicyModelFolder = "policy" };
        Assert.Equal((2e-5, 3, 8, 0.03), (sft.LearningRate, sft.Epochs, sft.GradientAccumulationSteps, sft.WarmupRatio));
        Assert.Equal((1e-6, 1, 1, 0.1), (dpo.LearningRate, dpo.Epochs, dpo.GradientAccumulationSteps, dpo.WarmupRatio));
        Assert.Same(CorrectionPromptTemplate.V1, sft.Template);
        Assert.Same(InstructionPromptTemplate.Plain, dpo.Template);
        Assert.Equal((0.9, 0.95, 1e-8, 1.0, 42), (dpo.Beta1, dpo.Beta2, dpo.Epsilon, dpo.MaxGradientNorm, dpo.Seed));
        var changed = dpo with { LearningRate = 5e-6 };
        Assert.Equal((5e-6, 1, 0.1), (changed.LearningRate, changed.Epochs, changed.WarmupRatio));
        Assert.Equal("out.checkpoints", sft.EffectiveCheckpointFolder);
    }

    [Fact]
    public void Shared_fields_are_checked_the_same_way_for_both()
    {
        var sft = Assert.Throws<ArgumentException>(() => (new TrainingOptions { OutputFolder = "o", BaseModelFolder = "b" } with { Beta2 = 1 }).Validate());
        var dpo = Assert.Throws<ArgumentException>(() => (new DpoOptions { OutputFolder = "o", PolicyModelFolder = "p" } with { Beta2 = 1 }).Validate());
        Assert.Equal(sft.Message, dpo.Message);
        Assert.Equal(nameof(TrainingRunOptions.Beta2), dpo.ParamName);
        // SFT may run its warm-up alone (0 epochs); DPO needs one.
        new TrainingOptions { OutputFolder = "o", BaseModelFolder = "b", Epochs = 0 }.Validate();
        Assert.Contains("at least 1", Assert.Throws<ArgumentException>(() => new DpoOptions { OutputFolder = "o", PolicyModelFolder = "p", Epochs = 0 }.Validate()).Message);
    }
}
