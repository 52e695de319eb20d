using Microsoft.Extensions.Logging;

namespace Aligner.Training.WeakToStrong;

/// <summary>
/// Supervised fine-tuning of the strong model on corrected answers: (question → corrected answer) rows in the plain
/// instruction template (<see cref="InstructionPromptTemplate.Plain"/>), loss on the answer and EOS only. Runs the
/// corrector trainer (<see cref="CorrectorTrainer"/>) with that template and no identity warm-up, so checkpoints,
/// resumption, LoRA and the output folder are exactly the trainer's.
/// </summary>
public static class WeakToStrongSft
{
    /// <summary>The trainer options used for weak-to-strong SFT: <paramref name="options"/> with the instruction template and no identity warm-up.</summary>
    /// <param name="options">The training options (base model folder, learning rate, epochs, output folder...).</param>
    public static TrainingOptions Adapt(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Template = InstructionPromptTemplate.Plain, IdentityWarmupShare = 0 };
    }

    /// <summary>Trains the strong model on SFT rows.</summary>
    /// <param name="options">The training options; <see cref="Adapt"/> sets the template and turns warm-up off.</param>
    /// <param name="trainRows">Training rows (prompt → completion).</param>
    /// <param name="validationRows">Validation rows (may be empty).</param>
    /// <param name="progress">Receives a report after every optimizer step.</param>
    /// <param name="logger">Receives progress lines.</param>
    /// <param name="cancellationToken">Stops between optimizer steps.</param>
    public static TrainingResult Train(TrainingOptions options, IReadOnlyList<SftExample> trainRows, IReadOnlyList<SftExample> validationRows,
        IProgress<TrainingProgress>? progress = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainRows);
        ArgumentNullException.ThrowIfNull(validationRows);
        var trainer = new CorrectorTrainer(Adapt(options), logger);
        return trainer.Train(
            [.. trainRows.Select(r => InstructionPromptTemplate.ToTrainingRow(r.Prompt, r.Completion))],
            [.. validationRows.Select(r => InstructionPromptTemplate.ToTrainingRow(r.Prompt, r.Completion))],
            progress, cancellationToken);
    }
}
