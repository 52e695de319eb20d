namespace Aligner.Training;

/// <summary>What a finished training run produced.</summary>
/// <param name="OutputFolder">The final checkpoint folder.</param>
/// <param name="Steps">Optimizer steps taken (including steps before a resume).</param>
/// <param name="TotalSteps">Optimizer steps planned.</param>
/// <param name="FinalTrainLoss">Loss of the last step.</param>
/// <param name="FinalValidationLoss">Validation loss at the end, or null without validation rows.</param>
/// <param name="StoppedEarly">Whether early stopping ended the run.</param>
/// <param name="ResumedFromStep">The step a resumed run continued from, or null for a fresh run.</param>
/// <param name="DroppedRows">Training rows left out because they could not fit the maximum length.</param>
/// <param name="TruncatedAnswers">Training rows whose answer was shortened to fit.</param>
/// <param name="History">Loss per step and validation losses.</param>
public sealed record TrainingResult(
    string OutputFolder, int Steps, int TotalSteps, double FinalTrainLoss, double? FinalValidationLoss, bool StoppedEarly,
    int? ResumedFromStep, int DroppedRows, int TruncatedAnswers, TrainingHistory History);
