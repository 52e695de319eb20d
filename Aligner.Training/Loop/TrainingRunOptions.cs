using TorchSharp;

namespace Aligner.Training;

/// <summary>
/// What every training run shares (<see cref="TrainingOptions"/> for supervised correction training,
/// <see cref="WeakToStrong.DpoOptions"/> for DPO): output and checkpoint folders, the prompt template, the data plan
/// (epochs, batches, seed), AdamW and its schedule, clipping, and how the result is saved. Each run type sets its own
/// defaults (named in the properties' docs) and checks its own fields on top of <see cref="ValidateShared"/>.
/// </summary>
public abstract record TrainingRunOptions
{
    /// <summary>Folder of the trained model (Hugging Face layout). Must not exist unless <see cref="OverwriteOutput"/> is set.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>Folder for resumable intermediate checkpoints; defaults to <c>{OutputFolder}.checkpoints</c>. A run restarted with the same options resumes from its latest checkpoint here.</summary>
    public string? CheckpointFolder { get; init; }

    /// <summary>The prompt template; the model must be used with the same one. Default: v1 for SFT, the plain instruction template for DPO.</summary>
    public CorrectionPromptTemplate Template { get; init; } = CorrectionPromptTemplate.V1;

    /// <summary>Most tokens per sequence (prompt + target + EOS). Default 512.</summary>
    public int MaxSequenceLength { get; init; } = 512;

    /// <summary>Passes over the training rows. Default 3 for SFT (after its warm-up phase), 1 for DPO.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Rows per forward pass (a DPO row runs two sequences). Default 4.</summary>
    public int MicroBatchSize { get; init; } = 4;

    /// <summary>Micro-batches whose gradients are summed before each optimizer step. Default 8 for SFT, 1 for DPO.</summary>
    public int GradientAccumulationSteps { get; init; } = 8;

    /// <summary>Peak learning rate. Default 2e-5 for SFT, 1e-6 (the paper's) for DPO.</summary>
    public double LearningRate { get; init; } = 2e-5;

    /// <summary>Share of the optimizer steps spent warming the learning rate up linearly. Default 0.03 for SFT, 0.1 for DPO.</summary>
    public double WarmupRatio { get; init; } = 0.03;

    /// <summary>The learning rate at the end of the cosine decay, as a share of the peak. Default 0.</summary>
    public double MinLearningRateRatio { get; init; }

    /// <summary>AdamW decoupled weight decay (applied to matrices only). Default 0.</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW β₁. Default 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β₂. Default 0.95.</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>AdamW ε. Default 1e-8.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Clip the global gradient norm to this value before each step (0 disables clipping). Default 1.</summary>
    public double MaxGradientNorm { get; init; } = 1.0;

    /// <summary>Seed of the weight and adapter initialisation and of the data order. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Write a resumable checkpoint (weights, optimizer and data position) every this many optimizer steps (0 = never). Default 0.</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>The dtype of the saved <c>model.safetensors</c> (float32, float16 or bfloat16). Default float32.</summary>
    public torch.ScalarType SaveDType { get; init; } = torch.ScalarType.Float32;

    /// <summary>The device to train on (CPU when null).</summary>
    public torch.Device? Device { get; init; }

    /// <summary>Replace an existing <see cref="OutputFolder"/> (the old one is kept until the new one is complete).</summary>
    public bool OverwriteOutput { get; init; }

    /// <summary>The folder of intermediate checkpoints in effect.</summary>
    public string EffectiveCheckpointFolder => CheckpointFolder ?? OutputFolder.TrimEnd('/', '\\') + ".checkpoints";

    /// <summary>Checks the shared values; run types call it from their own <c>Validate()</c>.</summary>
    /// <param name="minimumEpochs">The fewest epochs the run type accepts (SFT 0: warm-up only; DPO 1).</param>
    /// <exception cref="ArgumentException">A value is missing or out of range (the message names it).</exception>
    protected void ValidateShared(int minimumEpochs)
    {
        if (string.IsNullOrWhiteSpace(OutputFolder)) throw new ArgumentException($"{nameof(OutputFolder)} is required.", nameof(OutputFolder));
        ArgumentNullException.ThrowIfNull(Template, nameof(Template));
        Require(MaxSequenceLength >= 8, nameof(MaxSequenceLength), MaxSequenceLength, "must be at least 8");
        Require(Epochs >= minimumEpochs, nameof(Epochs), Epochs, minimumEpochs == 0 ? "must not be negative" : $"must be at least {minimumEpochs}");
        Require(MicroBatchSize >= 1, nameof(MicroBatchSize), MicroBatchSize, "must be at least 1");
        Require(GradientAccumulationSteps >= 1, nameof(GradientAccumulationSteps), GradientAccumulationSteps, "must be at least 1");
        Require(LearningRate > 0, nameof(LearningRate), LearningRate, "must be positive");
        Require(WarmupRatio is >= 0 and <= 1, nameof(WarmupRatio), WarmupRatio, "must be in [0, 1]");
        Require(MinLearningRateRatio is >= 0 and <= 1, nameof(MinLearningRateRatio), MinLearningRateRatio, "must be in [0, 1]");
        Require(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "must not be negative");
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), Beta1, "must be in [0, 1)");
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), Beta2, "must be in [0, 1)");
        Require(Epsilon > 0, nameof(Epsilon), Epsilon, "must be positive");
        Require(MaxGradientNorm >= 0, nameof(MaxGradientNorm), MaxGradientNorm, "must not be negative");
        Require(CheckpointEverySteps >= 0, nameof(CheckpointEverySteps), CheckpointEverySteps, "must not be negative");
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="name"/> unless <paramref name="ok"/>.</summary>
    protected static void Require(bool ok, string name, object value, string rule)
    {
        if (!ok) throw new ArgumentException($"{name} {rule} (got {value}).", name);
    }

    /// <summary>The shared training loop's settings for this run.</summary>
    internal TrainingLoopSettings LoopSettings(string name, int rowCount) => new()
    {
        Name = name,
        RowCount = rowCount,
        Epochs = Epochs,
        MicroBatchSize = MicroBatchSize,
        GradientAccumulationSteps = GradientAccumulationSteps,
        Seed = Seed,
        LearningRate = LearningRate,
        WarmupRatio = WarmupRatio,
        MinLearningRateRatio = MinLearningRateRatio,
        Beta1 = Beta1,
        Beta2 = Beta2,
        Epsilon = Epsilon,
        WeightDecay = WeightDecay,
        MaxGradientNorm = MaxGradientNorm,
        CheckpointEverySteps = CheckpointEverySteps,
        CheckpointFolder = EffectiveCheckpointFolder,
    };
}
