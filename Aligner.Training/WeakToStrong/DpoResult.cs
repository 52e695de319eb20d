namespace Aligner.Training.WeakToStrong;

/// <summary>The outcome of a DPO run.</summary>
/// <param name="OutputFolder">The trained model's folder (full path).</param>
/// <param name="Steps">Steps taken in total.</param>
/// <param name="History">The metrics of every step this call ran (after a resume, from the resumed step on).</param>
/// <param name="LossHistory">The loss of every step of the run, resumed steps included.</param>
/// <param name="ResumedFromStep">The step the run resumed from, or null.</param>
/// <param name="DroppedPairs">Pairs dropped because a sequence did not fit <see cref="TrainingRunOptions.MaxSequenceLength"/>.</param>
public sealed record DpoResult(string OutputFolder, int Steps, IReadOnlyList<DpoStepMetrics> History, IReadOnlyList<double> LossHistory,
    int? ResumedFromStep, int DroppedPairs);
