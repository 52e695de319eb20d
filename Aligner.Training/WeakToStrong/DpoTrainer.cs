using System.Globalization;
using System.Security.Cryptography;
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
/// against a frozen reference model (<see cref="DpoLoss"/>). Uses the corrector trainer's parts: the sequence encoder
/// (loss positions = answer + EOS), batching, AdamW, the learning-rate schedule, and its resumable checkpoints; writes a
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
    /// <exception cref="ArgumentException">No pair fits <see cref="DpoOptions.MaxSequenceLength"/>.</exception>
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

        var plan = new TrainingPlan(encoded.Count, 0, _options.Epochs, _options.MicroBatchSize, _options.GradientAccumulationSteps, _options.Seed);
        int totalSteps = plan.Steps.Count;
        var schedule = new LearningRateSchedule(_options.LearningRate, totalSteps, (int)Math.Ceiling(totalSteps * _options.WarmupRatio));
        var fingerprint = Fingerprint(pairs);

        using var policy = CausalLanguageModel.Load(_options.PolicyModelFolder, ScalarType.Float32, _options.Device);
        using var reference = CausalLanguageModel.Load(_options.ReferenceModelFolder ?? _options.PolicyModelFolder, ScalarType.Float32, _options.Device);
        reference.eval();
        foreach (var p in reference.parameters()) p.requires_grad = false;
        using var optimizer = new AdamWOptimizer([.. policy.named_parameters().Select(p => (p.name, p.parameter))],
            _options.Beta1, _options.Beta2, _options.Epsilon, _options.WeightDecay);

        var losses = new List<double>();
        var history = new List<DpoStepMetrics>();
        int step = 0;
        int? resumedFrom = null;
        if (TrainingCheckpoint.Latest(_options.EffectiveCheckpointFolder) is { } latest)
        {
            var state = TrainingCheckpoint.ReadState(latest);
            if (state.Fingerprint != fingerprint)
                throw new InvalidOperationException($"The checkpoint folder '{_options.EffectiveCheckpointFolder}' holds a different run (other options or data); delete it or choose another folder.");
            TrainingCheckpoint.Restore(latest, policy, optimizer);
            step = state.Step;
            resumedFrom = step;
            losses.AddRange(state.TrainLoss);
            _logger.LogInformation("Resuming DPO from {Checkpoint} (step {Step} of {Total}).", latest, step, totalSteps);
        }

        while (step < totalSteps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var planned = plan.Steps[step];
            int stepPairs = planned.MicroBatches.Sum(mb => mb.Count);
            double lossSum = 0, chosenSum = 0, rejectedSum = 0, correct = 0;
            optimizer.ZeroGrad();
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
            if (_options.MaxGradientNorm > 0) torch.nn.utils.clip_grad_norm_(optimizer.Parameters, _options.MaxGradientNorm);
            double lr = schedule.At(step);
            optimizer.Step(lr);
            step++;

            var metrics = new DpoStepMetrics(step, totalSteps, lossSum / stepPairs, chosenSum / stepPairs, rejectedSum / stepPairs,
                (chosenSum - rejectedSum) / stepPairs, correct / stepPairs, lr);
            losses.Add(metrics.Loss);
            history.Add(metrics);
            progress?.Report(metrics);
            _logger.LogInformation("dpo step {Step}/{Total} loss {Loss:F4} margin {Margin:F4} accuracy {Accuracy:P0} lr {Lr:E2}",
                step, totalSteps, metrics.Loss, metrics.RewardMargin, metrics.RewardAccuracy, lr);

            bool lastStep = step == totalSteps;
            bool due = _options.CheckpointEverySteps > 0 && !lastStep &&
                (step % _options.CheckpointEverySteps == 0 || cancellationToken.IsCancellationRequested);
            if (due)
                TrainingCheckpoint.Save(_options.EffectiveCheckpointFolder, policy, optimizer, new(step, fingerprint, losses, [], 0, 0));
        }

        WriteOutput(policy, tokenizer, history, losses);
        return new DpoResult(Path.GetFullPath(_options.OutputFolder), step, history, losses, resumedFrom, dropped);
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
        foreach (var p in pairs) sb.Append(p.Prompt).Append('\u0001').Append(p.Chosen).Append('\u0001').Append(p.Rejected).Append('\u0002');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
