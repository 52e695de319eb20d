namespace Aligner.Training;

/// <summary>The loss curve of a run: training loss per optimizer step and validation loss where measured.</summary>
public sealed class TrainingHistory
{
    /// <summary>Training loss (mean per correction token) of each optimizer step, in order; index 0 is step 1.</summary>
    public List<double> TrainLoss { get; init; } = [];

    /// <summary>Validation losses, each with the step after which it was measured.</summary>
    public List<ValidationPoint> ValidationLoss { get; init; } = [];
}

/// <summary>A validation loss measured after an optimizer step.</summary>
/// <param name="Step">The step (1-based).</param>
/// <param name="Loss">Mean loss per correction token over the validation rows.</param>
public readonly record struct ValidationPoint(int Step, double Loss);
