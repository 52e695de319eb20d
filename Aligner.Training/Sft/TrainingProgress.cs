namespace Aligner.Training;

/// <summary>A progress report, sent after every optimizer step.</summary>
/// <param name="Step">Optimizer steps done (1-based).</param>
/// <param name="TotalSteps">Optimizer steps planned.</param>
/// <param name="Phase">The phase of this step.</param>
/// <param name="Loss">Mean loss per correction token in this step.</param>
/// <param name="LearningRate">The learning rate used for this step.</param>
/// <param name="TokensPerSecond">Tokens (prompt + correction, no padding) processed per second over this run so far.</param>
/// <param name="Elapsed">Time spent training in this process.</param>
/// <param name="EstimatedRemaining">Estimated time to the last step.</param>
/// <param name="ValidationLoss">The validation loss, when it was measured after this step.</param>
public sealed record TrainingProgress(
    int Step, int TotalSteps, TrainingPhase Phase, double Loss, double LearningRate, double TokensPerSecond,
    TimeSpan Elapsed, TimeSpan EstimatedRemaining, double? ValidationLoss);
