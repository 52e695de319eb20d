using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aligner.Backends.Torch.Modeling;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TorchSharp.Modules;

namespace Aligner.Training;

/// <summary>The settings of the optimizer loop that every trainer (SFT, DPO) shares.</summary>
internal sealed record TrainingLoopSettings
{
    /// <summary>What the log lines call the run ("training", "DPO").</summary>
    public required string Name { get; init; }

    /// <summary>Rows (or pairs) the plan orders.</summary>
    public required int RowCount { get; init; }

    /// <summary>Share of the rows used in the identity warm-up phase (0: none).</summary>
    public double IdentityWarmupShare { get; init; }

    public required int Epochs { get; init; }

    public required int MicroBatchSize { get; init; }

    public required int GradientAccumulationSteps { get; init; }

    public required int Seed { get; init; }

    public required double LearningRate { get; init; }

    public required double WarmupRatio { get; init; }

    public double MinLearningRateRatio { get; init; }

    public required double Beta1 { get; init; }

    public required double Beta2 { get; init; }

    public required double Epsilon { get; init; }

    public required double WeightDecay { get; init; }

    /// <summary>Clip the global gradient norm to this value before each step (0: no clipping).</summary>
    public required double MaxGradientNorm { get; init; }

    /// <summary>Write a resumable checkpoint every this many steps (0: never).</summary>
    public required int CheckpointEverySteps { get; init; }

    public required string CheckpointFolder { get; init; }

    /// <summary>Validate every this many steps, and always after the last (0: only after the last).</summary>
    public int ValidationEverySteps { get; init; }

    /// <summary>Stop when this many validations in a row did not improve (null: never stop early).</summary>
    public int? EarlyStoppingPatience { get; init; }
}

/// <summary>What the loop reports after each optimizer step.</summary>
/// <typeparam name="TMetrics">The trainer's per-step metrics.</typeparam>
internal readonly record struct TrainingLoopStep<TMetrics>(int Step, int TotalSteps, TrainingPhase Phase, double LearningRate, TMetrics Metrics, double? ValidationLoss);

/// <summary>
/// The one optimizer loop of SFT and DPO: the seeded <see cref="TrainingPlan"/>, AdamW, the warm-up + cosine schedule,
/// gradient clipping, validation with early stopping, and resumable checkpoints (weights, optimizer state, loss and
/// per-step metric history, early-stopping counters) checked against the run's fingerprint. A trainer supplies the
/// gradient computation of one planned step and receives a report after each step; after <see cref="Run"/> it writes
/// its output folder (atomically, with <see cref="AtomicFolder"/>).
/// </summary>
/// <typeparam name="TMetrics">The trainer's per-step metrics (JSON-serialisable: they are saved in checkpoints).</typeparam>
internal sealed class TrainingLoop<TMetrics>
{
    private readonly TrainingLoopSettings _settings;
    private readonly Func<TMetrics, double> _lossOf;
    private readonly ILogger _logger;

    /// <summary>Plans the run.</summary>
    /// <param name="settings">The loop's settings.</param>
    /// <param name="lossOf">The training loss in a step's metrics.</param>
    /// <param name="logger">Receives the resume and early-stopping notices.</param>
    public TrainingLoop(TrainingLoopSettings settings, Func<TMetrics, double> lossOf, ILogger logger)
    {
        _settings = settings;
        _lossOf = lossOf;
        _logger = logger;
        Plan = new TrainingPlan(settings.RowCount, settings.IdentityWarmupShare, settings.Epochs, settings.MicroBatchSize,
            settings.GradientAccumulationSteps, settings.Seed);
        Schedule = new LearningRateSchedule(settings.LearningRate, Math.Max(1, TotalSteps), (int)Math.Ceiling(TotalSteps * settings.WarmupRatio),
            settings.MinLearningRateRatio);
    }

    public TrainingPlan Plan { get; }

    public LearningRateSchedule Schedule { get; }

    public int TotalSteps => Plan.Steps.Count;

    /// <summary>Optimizer steps done (including those before a resume).</summary>
    public int Step { get; private set; }

    /// <summary>The step the run resumed from, or null.</summary>
    public int? ResumedFromStep { get; private set; }

    public bool StoppedEarly { get; private set; }

    /// <summary>Every step's metrics, restored ones included.</summary>
    public List<TMetrics> Metrics { get; } = [];

    /// <summary>Every step's training loss, restored ones included.</summary>
    public List<double> TrainLoss { get; } = [];

    public List<ValidationPoint> ValidationLoss { get; } = [];

    /// <summary>
    /// Runs the remaining steps: resumes from the latest checkpoint of the same run when there is one, then per step
    /// zeroes the gradients, calls <paramref name="computeGradients"/>, clips, steps AdamW, validates when due, reports,
    /// and writes a checkpoint when due (or when cancellation was requested, before stopping).
    /// </summary>
    /// <param name="model">The model whose parameters are checkpointed.</param>
    /// <param name="trainable">The parameters AdamW updates.</param>
    /// <param name="fingerprint">The run's fingerprint (<see cref="RunFingerprint"/>): a checkpoint of another run is refused.</param>
    /// <param name="computeGradients">Runs the forward and backward passes of a planned step (its 1-based number and learning rate given) and returns its metrics.</param>
    /// <param name="validate">The validation loss, or null when the run has no validation data.</param>
    /// <param name="onStep">Receives the report of each step.</param>
    /// <param name="cancellationToken">Checked before each step.</param>
    /// <exception cref="InvalidOperationException">The checkpoint folder holds a different run.</exception>
    public void Run(CausalLanguageModel model, IReadOnlyList<(string Name, Parameter Parameter)> trainable, string fingerprint,
        Func<TrainingPlan.Step, int, double, TMetrics> computeGradients, Func<double>? validate, Action<TrainingLoopStep<TMetrics>> onStep,
        CancellationToken cancellationToken)
    {
        var s = _settings;
        using var optimizer = new AdamWOptimizer(trainable, s.Beta1, s.Beta2, s.Epsilon, s.WeightDecay);
        double best = double.PositiveInfinity;
        int sinceImprovement = 0;
        if (TrainingCheckpoint.Latest(s.CheckpointFolder) is { } latest)
        {
            var state = TrainingCheckpoint.ReadState(latest);
            if (state.Fingerprint != fingerprint)
                throw new InvalidOperationException($"The checkpoint folder '{s.CheckpointFolder}' holds a different run (other options or data); delete it or choose another folder.");
            TrainingCheckpoint.Restore(latest, model, optimizer);
            (Step, best, sinceImprovement) = (state.Step, state.BestValidationLoss, state.ValidationsWithoutImprovement);
            TrainLoss.AddRange(state.TrainLoss);
            ValidationLoss.AddRange(state.ValidationLoss);
            if (state.StepMetrics is { } saved) Metrics.AddRange(saved.Deserialize<List<TMetrics>>(TrainingCheckpoint.JsonOptions) ?? []);
            ResumedFromStep = Step;
            _logger.LogInformation("Resuming {Name} from {Checkpoint} (step {Step} of {Total}).", s.Name, latest, Step, TotalSteps);
        }

        while (Step < TotalSteps && !StoppedEarly)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var planned = Plan.Steps[Step];
            double lr = Schedule.At(Step);
            optimizer.ZeroGrad();
            var metrics = computeGradients(planned, Step + 1, lr);
            optimizer.Step(lr, s.MaxGradientNorm); // clips and steps, fused on the CPU
            Step++;
            Metrics.Add(metrics);
            TrainLoss.Add(_lossOf(metrics));

            bool lastStep = Step == TotalSteps;
            double? validationLoss = null;
            if (validate is not null && (lastStep || (s.ValidationEverySteps > 0 && Step % s.ValidationEverySteps == 0)))
            {
                validationLoss = validate();
                ValidationLoss.Add(new ValidationPoint(Step, validationLoss.Value));
                if (validationLoss < best - 1e-6) (best, sinceImprovement) = (validationLoss.Value, 0);
                else if (s.EarlyStoppingPatience is { } patience && ++sinceImprovement >= patience)
                {
                    StoppedEarly = true;
                    _logger.LogInformation("Early stopping at step {Step}: validation loss has not improved for {Patience} validations.", Step, patience);
                }
            }
            onStep(new TrainingLoopStep<TMetrics>(Step, TotalSteps, planned.Phase, lr, metrics, validationLoss));

            bool checkpointDue = s.CheckpointEverySteps > 0 && !lastStep
                && (Step % s.CheckpointEverySteps == 0 || cancellationToken.IsCancellationRequested);
            if (checkpointDue)
                TrainingCheckpoint.Save(s.CheckpointFolder, model, optimizer, new(Step, fingerprint, TrainLoss, ValidationLoss, best, sinceImprovement,
                    JsonSerializer.SerializeToElement(Metrics, TrainingCheckpoint.JsonOptions)));
        }
    }
}

/// <summary>The fingerprint of a training run, which a checkpoint must match to be resumed.</summary>
internal static class RunFingerprint
{
    /// <summary>
    /// A hash of the options that determine the run's trajectory and of its data, one entry of <paramref name="rows"/>
    /// per row (fields separated by U+0001, rows ended by U+0002).
    /// </summary>
    public static string Of(string options, IEnumerable<IEnumerable<string?>> rows)
    {
        var sb = new StringBuilder(options);
        foreach (var row in rows) sb.AppendJoin('\u0001', row).Append('\u0002');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
