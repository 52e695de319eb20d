using TorchSharp;

namespace Aligner.Training.WeakToStrong;

/// <summary>Options of a <see cref="DpoTrainer"/> run. Defaults follow the paper's weak-to-strong DPO (β 0.1, learning rate 1e-6).</summary>
public sealed record DpoOptions : TrainingRunOptions
{
    /// <summary>Options with the DPO defaults (plain instruction template, 1 epoch, 4 pairs per step, learning rate 1e-6, 10 % warm-up).</summary>
    public DpoOptions()
    {
        Template = InstructionPromptTemplate.Plain;
        Epochs = 1;
        GradientAccumulationSteps = 1;
        LearningRate = 1e-6;
        WarmupRatio = 0.1;
    }

    /// <summary>The model to train (a Hugging Face checkpoint folder with its tokenizer).</summary>
    public required string PolicyModelFolder { get; init; }

    /// <summary>The frozen reference model; <see langword="null"/> uses <see cref="PolicyModelFolder"/> (the usual choice: the SFT model).</summary>
    public string? ReferenceModelFolder { get; init; }

    /// <summary>β, the strength of the implicit KL constraint to the reference. Default 0.1.</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is missing or out of range (the message names it).</exception>
    public void Validate()
    {
        ValidateShared(minimumEpochs: 1);
        if (string.IsNullOrWhiteSpace(PolicyModelFolder)) throw new ArgumentException($"{nameof(PolicyModelFolder)} is required.", nameof(PolicyModelFolder));
        Require(Beta > 0 && double.IsFinite(Beta), nameof(Beta), Beta, "must be a positive number");
    }
}
