namespace Aligner.Training;

/// <summary>The phases of a training run, in order.</summary>
public enum TrainingPhase
{
    /// <summary>Identity warm-up: question-answer-answer rows teach the corrector to copy first.</summary>
    IdentityWarmup,

    /// <summary>The full question-answer-correction set.</summary>
    Correction,
}
