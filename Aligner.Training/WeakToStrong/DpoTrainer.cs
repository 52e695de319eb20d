using System.Globalization;
using System.Text;
using System.Text.Json;
using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Tokenization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Training.WeakToStrong;

/// <summary>
/// Direct preference optimisation of the strong model on (question, chosen = correction, rejected = original) pairs,
/// against a frozen reference model (<see cref="DpoLoss"/>). Runs the training loop SFT runs (plan, AdamW, schedule, clipping, resumable
/// checkpoints with the metric history), with the sequence encoder of SFT (loss positions = answer + EOS); writes a
/// Hugging Face checkpoint folder and <see cref="LogFileName"/> with the loss, reward margins and accuracies.
/// </summary>
public sealed class DpoTrainer
{
    /// <summary>File with the per-step metrics, written next to the final weights.</summary>
    public const string LogFileName = "dpo_log.json";

    private readonly DpoOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a trainer.</summary>
    /// <param name="options">The run's options (validated here).</param>
    /// <param name="logger">Receives a line per step and notices.</param>
    public DpoTrainer(DpoOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Trains on the pairs and writes the output folder. When the checkpoint folder holds a checkpoint of the same run,
    /// training resumes from it.
    /// </summary>
    /// <param name="pairs">Preference pairs.</param>
    /// <param name="progress">Receives the metrics of every step.</param>
    /// <param name="cancellationToken">Stops between steps (writing a checkpoint first when checkpoints are enabled).</param>
    /// <exception cref="ArgumentException">No pair fits <see cref="TrainingRunOptions.MaxSequenceLength"/>.</exception>
    /// <exception cref="IOException">The output folder exists and may not be overwritten.</exception>
    /// <exception cref="ModelFormatException">A model folder is missing or malformed.</exception>
    public DpoResult Train(IReadOnlyList<PreferenceExample> pairs, IProgress<DpoStepMetrics>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        AtomicFolder.EnsureWritable(_options.OutputFolder, _options.OverwriteOutput);
        TorchRuntime.EnsureInitialized(_logger);

        var tokenizer = TokenizerLoader.Load(_options.PolicyModelFolder);
        var encoder = new CorrectionSequenceEncoder(tokenizer, _options.Template, _options.MaxSequenceLength, OverlongRowPolicy.Drop);
        var encoded = new List<(EncodedSequence Chosen, EncodedSequence Rejected)>(pairs.Count);
        foreach (var pair in pairs)
        {
            var chosen = encoder.Encode(InstructionPromptTemplate.ToTrainingRow(pair.Prompt, pair.Chosen), out _);
            var rejected = encoder.Encode(InstructionPromptTemplate.ToTrainingRow(pair.Prompt, pair.Rejected), out _);
            if (chosen is not null && rejected is not null) encoded.Add((chosen, rejected));
        }
        int dropped = pairs.Count - encoded.Count;
        if (encoded.Count == 0) throw new ArgumentException($"None of the {pairs.Count} preference pairs fits {_options.MaxSequenceLength} tokens.", nameof(pairs));
        if (dropped > 0) _logger.LogWarning("{Dropped} preference pairs dropped: longer than {Max} tokens.", dropped, _options.MaxSequenceLength);
        int padId = tokenizer.PadTokenId ?? tokenizer.EosTokenId!.Value;

        var loop = new TrainingLoop<DpoStepMetrics>(_options.LoopSettings("DPO", encoded.Count), metrics => metrics.Loss, _logger);
        var fingerprint = Fingerprint(pairs);

        using var policy = CausalLanguageModel.Load(_options.PolicyModelFolder, ScalarType.Float32, _options.Device);
        using var reference = CausalLanguageModel.Load(_options.ReferenceModelFolder ?? _options.PolicyModelFolder, ScalarType.Float32, _options.Device);
        reference.eval();
        foreach (var p in reference.parameters()) p.requires_grad = false;

        DpoStepMetrics ComputeGradients(TrainingPlan.Step planned, int step, double lr)
        {
            int stepPairs = planned.MicroBatches.Sum(mb => mb.Count);
            double lossSum = 0, chosenSum = 0, rejectedSum = 0, correct = 0;
            foreach (var microBatch in planned.MicroBatches)
            {
                using var scope = torch.NewDisposeScope();
                int n = microBatch.Count;
                var sequences = microBatch.Select(i => encoded[i.Row].Chosen).Concat(microBatch.Select(i => encoded[i.Row].Rejected)).ToList();
                var batch = SequenceBatch.Collate(sequences, padId);
                var policyLogProbs = SequenceLogProbabilities.Sum(policy, batch);
                Tensor referenceLogProbs;
                using (torch.no_grad()) referenceLogProbs = SequenceLogProbabilities.Sum(reference, batch);
                var (loss, chosenReward, rejectedReward) = DpoLoss.Compute(
                    policyLogProbs.narrow(0, 0, n), policyLogProbs.narrow(0, n, n),
                    referenceLogProbs.narrow(0, 0, n), referenceLogProbs.narrow(0, n, n), _options.Beta);
                loss.sum().DividedBy(stepPairs).backward();
                lossSum += loss.sum().item<float>();
                chosenSum += chosenReward.sum().item<float>();
                rejectedSum += rejectedReward.sum().item<float>();
                correct += chosenReward.gt(rejectedReward).sum().item<long>();
            }
            return new DpoStepMetrics(step, loop.TotalSteps, lossSum / stepPairs, chosenSum / stepPairs, rejectedSum / stepPairs,
                (chosenSum - rejectedSum) / stepPairs, correct / stepPairs, lr);
        }

        void OnStep(TrainingLoopStep<DpoStepMetrics> done)
        {
            var metrics = done.Metrics;
            progress?.Report(metrics);
            _logger.LogInformation("dpo step {Step}/{Total} loss {Loss:F4} margin {Margin:F4} accuracy {Accuracy:P0} lr {Lr:E2}",
                done.Step, done.TotalSteps, metrics.Loss, metrics.RewardMargin, metrics.RewardAccuracy, done.LearningRate);
        }

        loop.Run(policy, [.. policy.named_parameters().Select(p => (p.name, p.parameter))], fingerprint, ComputeGradients, validate: null, OnStep, cancellationToken);

        WriteOutput(policy, tokenizer, loop.Metrics, loop.TrainLoss);
        return new DpoResult(Path.GetFullPath(_options.OutputFolder), loop.Step, loop.Metrics, loop.TrainLoss, loop.ResumedFromStep, dropped);
    }

    private void WriteOutput(CausalLanguageModel policy, HuggingFaceTokenizer tokenizer, List<DpoStepMetrics> history, List<double> losses)
    {
        AtomicFolder.Write(_options.OutputFolder, _options.OverwriteOutput, folder =>
        {
            policy.SaveCheckpoint(folder, _options.SaveDType);
            tokenizer.Save(folder);
            var generationConfig = Path.Combine(_options.PolicyModelFolder, GenerationConfig.FileName);
            if (File.Exists(generationConfig)) File.Copy(generationConfig, Path.Combine(folder, GenerationConfig.FileName));
            var log = new
            {
                beta = _options.Beta,
                learning_rate = _options.LearningRate,
                reference = Path.GetFullPath(_options.ReferenceModelFolder ?? _options.PolicyModelFolder),
                loss = losses,
                steps = history.Select(m => new
                {
                    step = m.Step,
                    loss = m.Loss,
                    chosen_reward = m.ChosenReward,
                    rejected_reward = m.RejectedReward,
                    reward_margin = m.RewardMargin,
                    reward_accuracy = m.RewardAccuracy,
                    learning_rate = m.LearningRate,
                }),
            };
            File.WriteAllText(Path.Combine(folder, LogFileName), JsonSerializer.Serialize(log, new JsonSerializerOptions { WriteIndented = true }));
        });
    }

    private string Fingerprint(IReadOnlyList<PreferenceExample> pairs)
    {
        var o = _options;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"dpo|{Path.GetFullPath(o.PolicyModelFolder)}|{o.ReferenceModelFolder}|{o.Template.Format}|{o.Beta:R}|{o.LearningRate:R}|");
        sb.Append(CultureInfo.InvariantCulture, $"{o.Epochs}|{o.MicroBatchSize}|{o.GradientAccumulationSteps}|{o.WarmupRatio:R}|{o.Beta1:R}|{o.Beta2:R}|{o.Epsilon:R}|");
        sb.Append(CultureInfo.InvariantCulture, $"{o.WeightDecay:R}|{o.MaxGradientNorm:R}|{o.MaxSequenceLength}|{o.Seed}|");
        return RunFingerprint.Of(sb.ToString(), pairs.Select(p => new[] { p.Prompt, p.Chosen, p.Rejected }));
    }
}
