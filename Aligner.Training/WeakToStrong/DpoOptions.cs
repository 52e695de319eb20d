using TorchSharp;

namespace Aligner.Training.WeakToStrong;

/// <summary>Options of a <see cref="DpoTrainer"/> run. Defaults follow the paper's weak-to-strong DPO (β 0.1, learning rate 1e-6).</summary>
public sealed record DpoOptions
{
    /// <summary>Folder of the trained model (Hugging Face layout). Must not exist unless <see cref="OverwriteOutput"/> is set.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>The model to train (a Hugging Face checkpoint folder with its tokenizer).</summary>
    public required string PolicyModelFolder { get; init; }

    /// <summary>The frozen reference model; <see langword="null"/> uses <see cref="PolicyModelFolder"/> (the usual choice: the SFT model).</summary>
    public string? ReferenceModelFolder { get; init; }

    /// <summary>Folder of resumable checkpoints; <see langword="null"/> puts them in <c>{OutputFolder}.checkpoints</c>.</summary>
    public string? CheckpointFolder { get; init; }

    /// <summary>The prompt template of the policy; default the plain instruction template.</summary>
    public CorrectionPromptTemplate Template { get; init; } = InstructionPromptTemplate.Plain;

    /// <summary>β, the strength of the implicit KL constraint to the reference. Default 0.1.</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary>Peak learning rate. Default 1e-6 (the paper's).</summary>
    public double LearningRate { get; init; } = 1e-6;

    /// <summary>Passes over the preference pairs. Default 1.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Pairs per forward pass (each pass runs 2 × this many sequences). Default 4.</summary>
    public int MicroBatchSize { get; init; } = 4;

    /// <summary>Micro-batches per optimizer step. Default 1.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Share of the steps spent warming the learning rate up linearly. Default 0.1.</summary>
    public double WarmupRatio { get; init; } = 0.1;

    /// <summary>AdamW β₁. Default 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β₂. Default 0.95.</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>AdamW ε. Default 1e-8.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>AdamW decoupled weight decay. Default 0.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Clip the global gradient norm to this value (0 disables). Default 1.</summary>
    public double MaxGradientNorm { get; init; } = 1.0;

    /// <summary>Most tokens per sequence (prompt + answer + EOS); longer pairs are dropped and counted. Default 512.</summary>
    public int MaxSequenceLength { get; init; } = 512;

    /// <summary>Seed of the data order. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Write a resumable checkpoint every this many steps (0 = never). Default 0.</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>The dtype of the saved weights. Default float32.</summary>
    public torch.ScalarType SaveDType { get; init; } = torch.ScalarType.Float32;

    /// <summary>The device to train on (CPU when null).</summary>
    public torch.Device? Device { get; init; }

    /// <summary>Replace an existing <see cref="OutputFolder"/>.</summary>
    public bool OverwriteOutput { get; init; }

    /// <summary>The folder of intermediate checkpoints in effect.</summary>
    public string EffectiveCheckpointFolder => CheckpointFolder ?? OutputFolder.TrimEnd('/', '\\') + ".checkpoints";

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is missing or out of range (the message names it).</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputFolder)) throw new ArgumentException($"{nameof(OutputFolder)} is required.", nameof(OutputFolder));
        if (string.IsNullOrWhiteSpace(PolicyModelFolder)) throw new ArgumentException($"{nameof(PolicyModelFolder)} is required.", nameof(PolicyModelFolder));
        ArgumentNullException.ThrowIfNull(Template, nameof(Template));
        void Require(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"{name} {rule} (got {value}).", name);
        }
        Require(Beta > 0 && double.IsFinite(Beta), nameof(Beta), Beta, "must be a positive number");
        Require(LearningRate > 0, nameof(LearningRate), LearningRate, "must be positive");
        Require(Epochs >= 1, nameof(Epochs), Epochs, "must be at least 1");
        Require(MicroBatchSize >= 1, nameof(MicroBatchSize), MicroBatchSize, "must be at least 1");
        Require(GradientAccumulationSteps >= 1, nameof(GradientAccumulationSteps), GradientAccumulationSteps, "must be at least 1");
        Require(WarmupRatio is >= 0 and <= 1, nameof(WarmupRatio), WarmupRatio, "must be in [0, 1]");
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), Beta1, "must be in [0, 1)");
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), Beta2, "must be in [0, 1)");
        Require(Epsilon > 0, nameof(Epsilon), Epsilon, "must be positive");
        Require(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "must not be negative");
        Require(MaxGradientNorm >= 0, nameof(MaxGradientNorm), MaxGradientNorm, "must not be negative");
        Require(MaxSequenceLength >= 8, nameof(MaxSequenceLength), MaxSequenceLength, "must be at least 8");
        Require(CheckpointEverySteps >= 0, nameof(CheckpointEverySteps), CheckpointEverySteps, "must not be negative");
    }
}
