using Aligner.Checkpoints;
using TorchSharp;

namespace Aligner.Training;

/// <summary>
/// Everything that defines a training run. Defaults follow the Aligner reference recipe (AdamW betas 0.9/0.95,
/// weight decay 0, cosine schedule with 3% warm-up, 3 epochs, seed 42, 20% identity warm-up) except the learning
/// rate and batch size, which depend on the model size.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Folder of the final checkpoint (Hugging Face layout). Must not exist unless <see cref="OverwriteOutput"/> is set.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>Folder for resumable intermediate checkpoints; defaults to <c>{OutputFolder}.checkpoints</c>. A run restarted with the same options resumes from its latest checkpoint here.</summary>
    public string? CheckpointFolder { get; init; }

    /// <summary>Start from this Hugging Face checkpoint folder (fine-tuning). Exactly one of this and <see cref="ScratchConfig"/> must be set.</summary>
    public string? BaseModelFolder { get; init; }

    /// <summary>Start from random weights with this architecture, using the GPT-2 tokenizer (training from scratch).</summary>
    public DecoderConfig? ScratchConfig { get; init; }

    /// <summary>A folder with the tokenizer of a model trained from <see cref="ScratchConfig"/>; GPT-2's when <see langword="null"/>.</summary>
    public string? ScratchTokenizerFolder { get; init; }

    /// <summary>The prompt template; the corrector must be used with the same one.</summary>
    public CorrectionPromptTemplate Template { get; init; } = CorrectionPromptTemplate.V1;

    /// <summary>Most tokens per sequence (prompt + correction + EOS).</summary>
    public int MaxSequenceLength { get; init; } = 512;

    /// <summary>What happens to rows longer than <see cref="MaxSequenceLength"/>; the correction is never cut.</summary>
    public OverlongRowPolicy OverlongRows { get; init; } = OverlongRowPolicy.TruncateAnswer;

    /// <summary>Share of the training rows used, as question-answer-answer rows, in the identity warm-up phase before the full set (0 disables it).</summary>
    public double IdentityWarmupShare { get; init; } = 0.2;

    /// <summary>Passes over the full training set after the warm-up phase.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Sequences per forward pass.</summary>
    public int MicroBatchSize { get; init; } = 4;

    /// <summary>Micro-batches whose gradients are summed before each optimizer step.</summary>
    public int GradientAccumulationSteps { get; init; } = 8;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 2e-5;

    /// <summary>Share of the optimizer steps spent warming the learning rate up linearly.</summary>
    public double WarmupRatio { get; init; } = 0.03;

    /// <summary>The learning rate at the end of the cosine decay, as a share of the peak.</summary>
    public double MinLearningRateRatio { get; init; }

    /// <summary>AdamW decoupled weight decay (applied to matrices only).</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW β₁.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β₂.</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>AdamW ε.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Clip the global gradient norm to this value before each step (0 disables clipping).</summary>
    public double MaxGradientNorm { get; init; } = 1.0;

    /// <summary>Seed of the weight initialisation, the LoRA initialisation and the data order.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Measure the validation loss every this many optimizer steps (and always at the end; 0 = only at the end).</summary>
    public int ValidationEverySteps { get; init; } = 100;

    /// <summary>Stop when the validation loss has not improved for this many validations in a row (null: never stop early).</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Write a resumable checkpoint (weights, optimizer and data position) every this many optimizer steps (0 = never).</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>Train low-rank adapters instead of all weights (null: full fine-tuning).</summary>
    public LoraOptions? Lora { get; init; }

    /// <summary>The dtype the weights are trained in (float32 on CPU).</summary>
    public torch.ScalarType TrainingDType { get; init; } = torch.ScalarType.Float32;

    /// <summary>The dtype of the saved <c>model.safetensors</c> (float32, float16 or bfloat16).</summary>
    public torch.ScalarType SaveDType { get; init; } = torch.ScalarType.Float32;

    /// <summary>The device to train on (CPU when null).</summary>
    public torch.Device? Device { get; init; }

    /// <summary>CPU threads for libtorch during training (null: libtorch's default, one per core). On a shared machine, 1 avoids threads spinning against each other.</summary>
    public int? Threads { get; init; }

    /// <summary>Most new tokens written into <c>generation_config.json</c>.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Replace an existing <see cref="OutputFolder"/> (the old one is kept until the new one is complete).</summary>
    public bool OverwriteOutput { get; init; }

    /// <summary>Delete the intermediate checkpoints once the final checkpoint is written.</summary>
    public bool DeleteCheckpointsWhenDone { get; init; }

    /// <summary>The folder of intermediate checkpoints in effect.</summary>
    public string EffectiveCheckpointFolder => CheckpointFolder ?? OutputFolder.TrimEnd('/', '\\') + ".checkpoints";

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is missing or out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputFolder)) throw new ArgumentException("OutputFolder is required.", nameof(OutputFolder));
        if ((BaseModelFolder is null) == (ScratchConfig is null))
            throw new ArgumentException("Set exactly one of BaseModelFolder (fine-tune a checkpoint) and ScratchConfig (train from scratch).");
        void Require(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"{name} {rule} (got {value}).", name);
        }
        Require(MaxSequenceLength >= 8, nameof(MaxSequenceLength), MaxSequenceLength, "must be at least 8");
        Require(IdentityWarmupShare is >= 0 and <= 1, nameof(IdentityWarmupShare), IdentityWarmupShare, "must be in [0, 1]");
        Require(Epochs >= 0, nameof(Epochs), Epochs, "must not be negative");
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
        Require(ValidationEverySteps >= 0, nameof(ValidationEverySteps), ValidationEverySteps, "must not be negative");
        Require(EarlyStoppingPatience is null or >= 1, nameof(EarlyStoppingPatience), EarlyStoppingPatience ?? 0, "must be at least 1");
        Require(CheckpointEverySteps >= 0, nameof(CheckpointEverySteps), CheckpointEverySteps, "must not be negative");
        Require(Threads is null or >= 1, nameof(Threads), Threads ?? 0, "must be at least 1");
        Require(MaxNewTokens >= 1, nameof(MaxNewTokens), MaxNewTokens, "must be at least 1");
        Lora?.Validate();
    }
}
