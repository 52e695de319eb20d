namespace Aligner.Training.WeakToStrong;

/// <summary>What one DPO optimizer step measured (means over the step's pairs, before the update).</summary>
/// <param name="Step">The step number (1-based).</param>
/// <param name="TotalSteps">Steps in the run.</param>
/// <param name="Loss">The DPO loss.</param>
/// <param name="ChosenReward">Mean implicit reward of the chosen answers, β(log π − log π_ref).</param>
/// <param name="RejectedReward">Mean implicit reward of the rejected answers.</param>
/// <param name="RewardMargin">Mean of chosen minus rejected reward.</param>
/// <param name="RewardAccuracy">Share of pairs whose chosen reward exceeds the rejected one.</param>
/// <param name="LearningRate">The learning rate of the step.</param>
public sealed record DpoStepMetrics(int Step, int TotalSteps, double Loss, double ChosenReward, double RejectedReward,
    double RewardMargin, double RewardAccuracy, double LearningRate);
