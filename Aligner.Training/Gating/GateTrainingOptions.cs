namespace Aligner.Training.Gating;

/// <summary>How <see cref="GateTrainer"/> trains a gate head. The defaults train in seconds on a CPU once the texts are embedded.</summary>
public sealed record GateTrainingOptions
{
    /// <summary>Hidden ReLU units (0: logistic regression on the features). Default 128.</summary>
    public int HiddenSize { get; init; } = 128;
    /// <summary>Passes over the training rows. Default 40.</summary>
    public int Epochs { get; init; } = 40;
    /// <summary>Rows per optimizer step. Default 64.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Adam learning rate. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Decoupled weight decay (AdamW). Default 1e-4.</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>
    /// Share of the validation rows that need no correction (correction equals answer) which the gate may still send
    /// to the corrector: the thresholds are chosen for it. Default 0.03.
    /// </summary>
    public double TargetNeedlessRate { get; init; } = 0.03;
    /// <summary>
    /// Rows of this category (case-insensitive) train a second output, "harmful", which also sends an answer to the
    /// corrector; <see langword="null"/> or a category no row has: no harm output. Default <c>harmful</c>.
    /// </summary>
    public string? HarmCategory { get; init; } = "harmful";

    /// <summary>
    /// A fixed threshold for the harm output, in (0, 1); <see langword="null"/> (default): chosen on the held-out rows so
    /// that the harm output spends a third of <see cref="TargetNeedlessRate"/>. A lower value catches more unseen harmful
    /// requests (the shipped gate uses 0.2, chosen on a hand-written dev set); the main threshold is then chosen for what
    /// is left of the budget.
    /// </summary>
    public double? HarmThreshold { get; init; }
    /// <summary>
    /// Train one output per category of the rows needing correction (besides the harm output), so a flagged answer's
    /// <see cref="GateDecision.Category"/> names its likeliest problem (correctors with per-category instructions use it). Default true.
    /// </summary>
    public bool CategoryOutputs { get; init; } = true;
    /// <summary>
    /// Add each training row's reference correction as an answer that needs no correction (question, correction,
    /// correction): good answers to every kind of question, refusals to harmful ones included. Default true.
    /// </summary>
    public bool CorrectionsAsKeepRows { get; init; } = true;
    /// <summary>
    /// Also pair each harmful question (<see cref="HarmCategory"/>) with the answer of a random row of another category,
    /// labelled harmful: any answer but a refusal needs correction, so the harm output learns the request, not one answer style. Default true.
    /// </summary>
    public bool HarmfulWithAnyAnswer { get; init; } = true;
    /// <summary>Categories left out of training and threshold choice (e.g. <c>factual</c>: an encoder cannot tell a right fact from a wrong one). Default none.</summary>
    public IReadOnlyList<string> ExcludeCategories { get; init; } = [];
    /// <summary>Share of the training rows held out for choosing thresholds when no validation set is given. Default 0.1.</summary>
    public double ValidationShare { get; init; } = 0.1;
    /// <summary>Texts per encoder call. Default 64.</summary>
    public int EmbeddingBatchSize { get; init; } = 64;
    /// <summary>Seed of initialisation, shuffling and the held-out split: the same data and seed give the same head. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (HiddenSize < 0) throw new ArgumentException($"{nameof(HiddenSize)} must be >= 0 (was {HiddenSize}).", nameof(HiddenSize));
        if (Epochs < 1) throw new ArgumentException($"{nameof(Epochs)} must be >= 1 (was {Epochs}).", nameof(Epochs));
        if (BatchSize < 1) throw new ArgumentException($"{nameof(BatchSize)} must be >= 1 (was {BatchSize}).", nameof(BatchSize));
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"{nameof(LearningRate)} must be a positive number (was {LearningRate}).", nameof(LearningRate));
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new ArgumentException($"{nameof(WeightDecay)} must be >= 0 (was {WeightDecay}).", nameof(WeightDecay));
        if (HarmThreshold is { } h && !(h > 0 && h < 1)) throw new ArgumentException($"{nameof(HarmThreshold)} must be in (0, 1) (was {h}).", nameof(HarmThreshold));
        if (!(TargetNeedlessRate > 0 && TargetNeedlessRate < 1)) throw new ArgumentException($"{nameof(TargetNeedlessRate)} must be in (0, 1) (was {TargetNeedlessRate}).", nameof(TargetNeedlessRate));
        if (!(ValidationShare > 0 && ValidationShare < 1)) throw new ArgumentException($"{nameof(ValidationShare)} must be in (0, 1) (was {ValidationShare}).", nameof(ValidationShare));
        if (EmbeddingBatchSize < 1) throw new ArgumentException($"{nameof(EmbeddingBatchSize)} must be >= 1 (was {EmbeddingBatchSize}).", nameof(EmbeddingBatchSize));
        if (ExcludeCategories is null) throw new ArgumentException($"{nameof(ExcludeCategories)} must not be null.", nameof(ExcludeCategories));
    }
}

/// <summary>Progress of <see cref="GateTrainer"/>: the stage (<c>embedding</c>, <c>training</c>), and how far it is.</summary>
/// <param name="Stage">What runs.</param>
/// <param name="Done">Units done (texts embedded, or epochs).</param>
/// <param name="Total">Units in all.</param>
/// <param name="Loss">Mean training loss of the last epoch (training stage), else <see langword="null"/>.</param>
public sealed record GateTrainingProgress(string Stage, int Done, int Total, double? Loss = null);

/// <summary>How a gate decides on labelled rows: the rows that need no correction and the ones that do, by category.</summary>
/// <param name="KeepRows">Rows whose correction equals the answer.</param>
/// <param name="NeedlessCorrections">Of those, how many the gate sends to the corrector.</param>
/// <param name="CorrectRows">Rows whose correction differs.</param>
/// <param name="Flagged">Of those, how many the gate sends to the corrector.</param>
/// <param name="ByCategory">Per category: rows, and rows decided as the label says (kept for keep rows, flagged for the others).</param>
public sealed record GateEvaluation(int KeepRows, int NeedlessCorrections, int CorrectRows, int Flagged, IReadOnlyDictionary<string, (int Rows, int Right)> ByCategory)
{
    /// <summary>Share of keep rows the gate kept.</summary>
    public double KeptShare => KeepRows == 0 ? double.NaN : 1 - (double)NeedlessCorrections / KeepRows;
    /// <summary>Share of rows needing correction the gate flagged.</summary>
    public double FlaggedShare => CorrectRows == 0 ? double.NaN : (double)Flagged / CorrectRows;

    /// <summary>The gate's decision on each row, in row order, when the evaluation ran a gate (<see cref="GateTrainer.EvaluateAsync"/>); otherwise <see langword="null"/>.</summary>
    public IReadOnlyList<GateDecision>? Decisions { get; init; }
}

/// <summary>The outcome of <see cref="GateTrainer.TrainAsync"/>.</summary>
/// <param name="Head">The trained head with its thresholds.</param>
/// <param name="Validation">How the head decides on the validation rows at those thresholds.</param>
/// <param name="TrainingRows">Rows trained on.</param>
/// <param name="FinalLoss">Mean loss of the last epoch.</param>
public sealed record GateTrainingResult(Aligner.Gating.GateHead Head, GateEvaluation Validation, int TrainingRows, double FinalLoss);
