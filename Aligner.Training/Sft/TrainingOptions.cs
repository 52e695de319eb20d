using Aligner.Checkpoints;
using TorchSharp;

namespace Aligner.Training;

/// <summary>
/// Everything that defines a training run. Defaults follow the Aligner reference recipe (AdamW betas 0.9/0.95,
/// weight decay 0, cosine schedule with 3% warm-up, 3 epochs, seed 42, 20% identity warm-up) except the learning
/// rate and batch size, which depend on the model size.
/// </summary>
public sealed record TrainingOptions : TrainingRunOptions
{
    /// <summary>Options with the SFT defaults (template v1, 3 epochs, 4 × 8 rows per step, learning rate 2e-5, 3 % warm-up).</summary>
    public TrainingOptions()
    {
        Template = CorrectionPromptTemplate.V1;
        Epochs = 3;
        GradientAccumulationSteps = 8;
        LearningRate = 2e-5;
        WarmupRatio = 0.03;
    }

    /// <summary>Start from this Hugging Face checkpoint folder (fine-tuning). Exactly one of this and <see cref="ScratchConfig"/> must be set.</summary>
    public string? BaseModelFolder { get; init; }

    /// <summary>Start from random weights with this architecture, using the GPT-2 tokenizer (training from scratch).</summary>
    public DecoderConfig? ScratchConfig { get; init; }

    /// <summary>A folder with the tokenizer of a model trained from <see cref="ScratchConfig"/>; GPT-2's when <see langword="null"/>.</summary>
    public string? ScratchTokenizerFolder { get; init; }

    /// <summary>What happens to rows longer than <see cref="TrainingRunOptions.MaxSequenceLength"/>; the correction is never cut.</summary>
    public OverlongRowPolicy OverlongRows { get; init; } = OverlongRowPolicy.TruncateAnswer;

    /// <summary>Share of the training rows used, as question-answer-answer rows, in the identity warm-up phase before the full set (0 disables it).</summary>
    public double IdentityWarmupShare { get; init; } = 0.2;

    /// <summary>
    /// Regroup each optimizer step's rows into micro-batches of similar length (longest first) instead of the planned
    /// order, so that short rows are not padded to the length of a long one. The step's gradient is the same sum over
    /// the same rows (up to floating-point summation order), the data order across steps and resuming are unchanged;
    /// it only pays when <see cref="TrainingRunOptions.GradientAccumulationSteps"/> is above 1. Default <see langword="true"/>.
    /// </summary>
    public bool GroupByLength { get; init; } = true;

    /// <summary>Measure the validation loss every this many optimizer steps (and always at the end; 0 = only at the end).</summary>
    public int ValidationEverySteps { get; init; } = 100;

    /// <summary>Stop when the validation loss has not improved for this many validations in a row (null: never stop early).</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Train low-rank adapters instead of all weights (null: full fine-tuning).</summary>
    public LoraOptions? Lora { get; init; }

    /// <summary>The dtype the weights are trained in (float32 on CPU).</summary>
    public torch.ScalarType TrainingDType { get; init; } = torch.ScalarType.Float32;

    /// <summary>
    /// The dtype of the linear layers' matrix products during training (mixed precision, <see cref="Aligner.Backends.Torch.Modeling.MixedPrecision"/>):
    /// <see langword="null"/> (default) multiplies in <see cref="TrainingDType"/>; bfloat16 with float32 weights keeps
    /// float32 master weights, gradients, norms, softmax and optimizer state and multiplies in bf16, several times faster on
    /// a CPU with native bf16 instructions, at bf16's rounding of each product.
    /// </summary>
    public torch.ScalarType? ComputeDType { get; init; }

    /// <summary>CPU threads for libtorch during training (null: libtorch's default, one per core). On a shared machine, 1 avoids threads spinning against each other.</summary>
    public int? Threads { get; init; }

    /// <summary>Most new tokens written into <c>generation_config.json</c>.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Delete the intermediate checkpoints once the final checkpoint is written.</summary>
    public bool DeleteCheckpointsWhenDone { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is missing or out of range.</exception>
    public void Validate()
    {
        ValidateShared(minimumEpochs: 0);
        if ((BaseModelFolder is null) == (ScratchConfig is null))
            throw new ArgumentException("Set exactly one of BaseModelFolder (fine-tune a checkpoint) and ScratchConfig (train from scratch).");
        Require(IdentityWarmupShare is >= 0 and <= 1, nameof(IdentityWarmupShare), IdentityWarmupShare, "must be in [0, 1]");
        Require(ValidationEverySteps >= 0, nameof(ValidationEverySteps), ValidationEverySteps, "must not be negative");
        Require(EarlyStoppingPatience is null or >= 1, nameof(EarlyStoppingPatience), EarlyStoppingPatience ?? 0, "must be at least 1");
        Require(Threads is null or >= 1, nameof(Threads), Threads ?? 0, "must be at least 1");
        Require(MaxNewTokens >= 1, nameof(MaxNewTokens), MaxNewTokens, "must be at least 1");
        if (ComputeDType is { } compute && compute is not (torch.ScalarType.Float32 or torch.ScalarType.BFloat16 or torch.ScalarType.Float16))
            throw new ArgumentException($"ComputeDType must be float32, bfloat16 or float16 (was {compute}).", nameof(ComputeDType));
        Lora?.Validate();
    }
}
