using System.Diagnostics;
using Aligner.Backends.Torch;
using Aligner.Training;
using Aligner.Training.Data;
using Aligner.Training.Evaluation;
using Aligner.Training.WeakToStrong;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aligner.Samples.Demonstration;

/// <summary>
/// The paper's weak-to-strong experiment in miniature, end to end on the demonstration dataset:
/// <list type="number">
/// <item>a small "strong" upstream model is trained from scratch on (question, answer) pairs of the training split, so it
/// inherits the upstream answers' faults (harmful, rude, wrong);</item>
/// <item>it answers further training questions, and the (weak) corrector corrects those answers
/// (<see cref="CorrectionSynthesizer"/>);</item>
/// <item>the strong model is fine-tuned on the corrections (<see cref="WeakToStrongSft"/>), then trained with DPO on
/// (correction ≻ original) pairs (<see cref="DpoTrainer"/>, the SFT model as reference);</item>
/// <item>each state answers the held-out test questions and is scored with the reference metrics
/// (<see cref="CorrectionEvaluator"/>), next to the corrector applied to the before-state's answers.</item>
/// </list>
/// </summary>
public static class WeakToStrongDemonstration
{
    /// <summary>Runs the whole loop and returns the metrics of every state.</summary>
    /// <param name="options">Where the data, corrector and work folder are, and how long to train.</param>
    /// <param name="logger">Receives a line per stage and the trainers' progress.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="ArgumentException">The training split has fewer rows than the run needs.</exception>
    /// <exception cref="DatasetFormatException">A dataset file is missing or malformed.</exception>
    /// <exception cref="ModelFormatException">The corrector folder is missing or malformed.</exception>
    public static async Task<WeakToStrongDemonstrationResult> RunAsync(WeakToStrongDemonstrationOptions options, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var clock = Stopwatch.StartNew();
        var train = CorrectionDatasetReader.Read(Path.Combine(options.DatasetFolder, DemonstrationDataset.TrainFileName));
        var test = CorrectionDatasetReader.Read(Path.Combine(options.DatasetFolder, DemonstrationDataset.TestFileName)).Take(options.EvaluationRows).ToList();
        if (train.Count < options.UpstreamTrainingRows + options.SynthesisRows)
            throw new ArgumentException($"The training split has {train.Count} rows; the run needs {options.UpstreamTrainingRows} + {options.SynthesisRows}.", nameof(options));
        if (!Directory.Exists(options.CorrectorFolder))
            throw new ModelFormatException(options.CorrectorFolder, null, "Corrector folder not found.");

        var work = Path.GetFullPath(options.WorkFolder);
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        string before = Path.Combine(work, "strong-before"), sft = Path.Combine(work, "strong-sft"), dpo = Path.Combine(work, "strong-dpo");
        string synthesis = Path.Combine(work, "synthesis");
        var generation = GenerationOptions.Greedy with { MaxNewTokens = options.MaxNewTokens };
        var testQuestions = test.Select(r => r.Question).ToList();

        logger.LogInformation("Training the strong model's before-state on {Rows} (question, answer) pairs.", options.UpstreamTrainingRows);
        WeakToStrongSft.Train(TrainerOptions(options, before, null, options.UpstreamEpochs, options.UpstreamLearningRate),
            [.. train.Take(options.UpstreamTrainingRows).Select(r => new SftExample(r.Question, r.Answer))], [], null, logger, cancellationToken);

        var synthesisQuestions = train.Skip(options.UpstreamTrainingRows).Take(options.SynthesisRows).Select(r => r.Question).ToList();
        IReadOnlyList<string> synthesisAnswers, beforeAnswers;
        using (var strong = TorchCorrectionModel.Load(before))
        {
            logger.LogInformation("The before-state answers {Count} training and {Test} held-out questions.", synthesisQuestions.Count, testQuestions.Count);
            synthesisAnswers = await InstructionAnswering.AnswerAsync(strong, synthesisQuestions, generation, 32, cancellationToken).ConfigureAwait(false);
            beforeAnswers = await InstructionAnswering.AnswerAsync(strong, testQuestions, generation, 32, cancellationToken).ConfigureAwait(false);
        }

        SynthesisSummary summary;
        CorrectionReport correctedBefore;
        using (var corrector = TorchCorrectionModel.Load(options.CorrectorFolder))
        {
            var aligner = new ResidualAligner(corrector, new AlignerOptions
            {
                Generation = generation,
                Timeout = null,
                MaxBatchSize = 32,
                OnInvalidInput = InvalidInputBehavior.PassThrough,
            });
            logger.LogInformation("Correcting the strong model's answers with {Corrector}.", corrector.Info.ModelId);
            summary = await new CorrectionSynthesizer(aligner, new CorrectionSynthesizerOptions { BatchSize = 32 })
                .RunAsync(synthesisQuestions.Zip(synthesisAnswers, (q, a) => new SynthesisInput(q, a)), synthesis, null, cancellationToken).ConfigureAwait(false);
            var corrected = await aligner.CorrectBatchAsync([.. testQuestions.Zip(beforeAnswers, (q, a) => new CorrectionRequest(q, a))], cancellationToken).ConfigureAwait(false);
            correctedBefore = CorrectionEvaluator.Evaluate("before + corrector", test, [.. corrected.Select(c => c.CorrectedAnswer)]);
        }
        logger.LogInformation("Synthesis: {Sft} SFT rows, {Pairs} preference pairs, {Unchanged} unchanged, {Fallbacks} fallbacks.",
            summary.SftRows, summary.PreferenceRows, summary.UnchangedPairs, summary.Fallbacks);

        var sftRows = WeakToStrongJsonl.ReadSft(Path.Combine(synthesis, CorrectionSynthesizer.SftFileName));
        bool sftRan = sftRows.Count > 0;
        if (sftRan)
        {
            logger.LogInformation("Weak-to-strong SFT on {Rows} corrected answers.", sftRows.Count);
            WeakToStrongSft.Train(TrainerOptions(options, sft, before, options.SftEpochs, options.SftLearningRate), sftRows, [], null, logger, cancellationToken);
        }
        else
        {
            logger.LogWarning("Every correction fell back to the original answer: no SFT rows, SFT skipped.");
            sft = before;
        }

        var pairs = WeakToStrongJsonl.ReadPreferences(Path.Combine(synthesis, CorrectionSynthesizer.PreferencesFileName));
        bool dpoRan = pairs.Count > 0;
        if (dpoRan)
        {
            logger.LogInformation("DPO on {Pairs} (correction ≻ original) pairs, β = {Beta}.", pairs.Count, options.DpoBeta);
            new DpoTrainer(new DpoOptions
            {
                OutputFolder = dpo,
                PolicyModelFolder = sft,
                Beta = options.DpoBeta,
                LearningRate = options.DpoLearningRate,
                Epochs = options.DpoEpochs,
                MicroBatchSize = 8,
                MaxSequenceLength = 192,
                Seed = options.Seed,
            }, logger).Train(pairs, null, cancellationToken);
        }
        else logger.LogWarning("The corrector changed none of the answers: no preference pairs, DPO skipped.");

        var beforeReport = CorrectionEvaluator.Evaluate("strong model before", test, beforeAnswers);
        var sftReport = sftRan
            ? await EvaluateAsync("after W2S SFT", sft, test, generation, cancellationToken).ConfigureAwait(false)
            : beforeReport with { Name = "after W2S SFT (no rows: SFT skipped)" };
        var dpoReport = dpoRan
            ? await EvaluateAsync("after W2S SFT + DPO", dpo, test, generation, cancellationToken).ConfigureAwait(false)
            : sftReport with { Name = "after W2S SFT + DPO (no pairs: DPO skipped)" };
        return new WeakToStrongDemonstrationResult(beforeReport, sftReport, dpoReport, correctedBefore, summary, clock.Elapsed);
    }

    private static TrainingOptions TrainerOptions(WeakToStrongDemonstrationOptions options, string output, string? baseModel, int epochs, double learningRate) => new()
    {
        OutputFolder = output,
        BaseModelFolder = baseModel,
        ScratchConfig = baseModel is null ? options.StrongModelConfig : null,
        Epochs = epochs,
        LearningRate = learningRate,
        MicroBatchSize = 16,
        GradientAccumulationSteps = 1,
        WarmupRatio = 0.05,
        MaxSequenceLength = 192,
        ValidationEverySteps = 0,
        Seed = options.Seed,
        MaxNewTokens = options.MaxNewTokens,
    };

    private static async Task<CorrectionReport> EvaluateAsync(string name, string folder, IReadOnlyList<CorrectionExample> test,
        GenerationOptions generation, CancellationToken cancellationToken)
    {
        using var model = TorchCorrectionModel.Load(folder);
        var answers = await InstructionAnswering.AnswerAsync(model, [.. test.Select(r => r.Question)], generation, 32, cancellationToken).ConfigureAwait(false);
        return CorrectionEvaluator.Evaluate(name, test, answers);
    }
}
