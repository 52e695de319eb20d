using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Generation;
using Aligner.Tokenization;
using Aligner.Training.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Training;

/// <summary>
/// Trains a corrector by supervised fine-tuning as in the Aligner reference recipe: each row becomes
/// <c>template(question, answer)</c> + correction + EOS, with loss only on the correction and EOS; an identity
/// warm-up phase (question-answer-answer rows) comes first; AdamW with a cosine schedule, gradient accumulation and
/// clipping; full fine-tuning or LoRA; resumable checkpoints; a Hugging Face checkpoint folder as the result.
/// </summary>
/// <example>
/// <code>
/// var options = new TrainingOptions { OutputFolder = "my-corrector", BaseModelFolder = "base-model", LearningRate = 2e-5 };
/// var result = new CorrectorTrainer(options).Train(CorrectionDatasetReader.Read("train.jsonl"), CorrectionDatasetReader.Read("validation.jsonl"));
/// </code>
/// </example>
public sealed class CorrectorTrainer
{
    /// <summary>File with the loss history and options, written next to the final weights.</summary>
    public const string TrainingLogFileName = "training_log.json";

    private readonly TrainingOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a trainer.</summary>
    /// <param name="options">The run's options (validated here).</param>
    /// <param name="logger">Receives progress lines and notices (resume, dropped rows).</param>
    public CorrectorTrainer(TrainingOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The options of the run.</summary>
    public TrainingOptions Options => _options;

    /// <summary>
    /// Runs training to the end (or to early stopping) and writes the final checkpoint. When the checkpoint folder holds a
    /// checkpoint of the same run (same options and data), training resumes from it and reaches the same result.
    /// </summary>
    /// <param name="trainRows">Training rows.</param>
    /// <param name="validationRows">Validation rows (may be empty: then no validation loss is measured).</param>
    /// <param name="progress">Receives a report after every optimizer step.</param>
    /// <param name="cancellationToken">Stops between optimizer steps (after writing a checkpoint when checkpoints are enabled).</param>
    /// <exception cref="IOException">The output folder exists and may not be overwritten.</exception>
    /// <exception cref="ArgumentException">No training row fits the maximum sequence length.</exception>
    public TrainingResult Train(IReadOnlyList<CorrectionExample> trainRows, IReadOnlyList<CorrectionExample> validationRows,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainRows);
        ArgumentNullException.ThrowIfNull(validationRows);
        AtomicFolder.EnsureWritable(_options.OutputFolder, _options.OverwriteOutput);
        TorchRuntime.EnsureInitialized(_logger);
        if (_options.Threads is { } threads) torch.set_num_threads(threads);

        var tokenizer = _options.BaseModelFolder is { } baseFolder ? TokenizerLoader.Load(baseFolder)
            : _options.ScratchTokenizerFolder is { } tokenizerFolder ? TokenizerLoader.Load(tokenizerFolder)
            : TokenizerLoader.CreateGpt2();
        var modelConfig = _options.BaseModelFolder is { } folder ? CheckpointFolder.Open(folder).Config : _options.ScratchConfig!;
        var (keepToken, configPath) = _options.BaseModelFolder is { } baseConfigFolder
            ? (modelConfig.KeepToken, Path.Combine(baseConfigFolder, CheckpointFolder.ConfigFileName))
            : (modelConfig.KeepToken, "the scratch config");
        int? keepId = KeepMarker.Resolve(keepToken, tokenizer, int.MaxValue, configPath);
        if (keepId is not null) _logger.LogInformation("Rows whose correction equals the answer train the keep marker {Marker} (id {Id}).", keepToken, keepId);
        var encoder = new CorrectionSequenceEncoder(tokenizer, _options.Template, _options.MaxSequenceLength, _options.OverlongRows, keepTokenId: keepId,
            instructions: modelConfig.Instructions);
        var (rows, dropped, truncated) = EncodeAll(encoder, trainRows);
        if (rows.Count == 0) throw new ArgumentException($"None of the {trainRows.Count} training rows fits {_options.MaxSequenceLength} tokens.", nameof(trainRows));
        if (dropped > 0 || truncated > 0)
            _logger.LogWarning("{Dropped} training rows dropped and {Truncated} answers truncated to fit {Max} tokens.", dropped, truncated, _options.MaxSequenceLength);
        var (validation, _, _) = EncodeAll(encoder, validationRows);
        int padId = tokenizer.PadTokenId ?? tokenizer.EosTokenId!.Value;

        var loop = new TrainingLoop<double>(_options.LoopSettings("training", rows.Count) with
        {
            IdentityWarmupShare = _options.IdentityWarmupShare,
            ValidationEverySteps = _options.ValidationEverySteps,
            EarlyStoppingPatience = _options.EarlyStoppingPatience,
        }, loss => loss, _logger);
        string fingerprint = Fingerprint(trainRows);

        using var model = CreateModel(tokenizer);
        var trainable = _options.Lora is { } lora
            ? LoraAdapters.Apply(model, lora, _options.Seed)
            : [.. model.named_parameters().Select(p => (p.name, p.parameter))];
        var loss = new CorrectionLoss(model);

        var encodedIdentity = new Dictionary<int, EncodedSequence?>();
        EncodedSequence? Sequence(TrainingPlan.Item item)
        {
            if (!item.Identity) return rows[item.Row].Sequence;
            if (!encodedIdentity.TryGetValue(item.Row, out var s))
                encodedIdentity[item.Row] = s = encoder.Encode(rows[item.Row].Example.AsIdentity(), out _, copyKeptAnswers: true);
            return s;
        }

        var clock = new Stopwatch();
        long tokensSeen = 0;
        double ComputeGradients(TrainingPlan.Step planned, int step, double lr)
        {
            if (!clock.IsRunning) clock.Start();
            var batches = MicroBatches(planned, Sequence, _options.GroupByLength).Select(mb => SequenceBatch.Collate(mb, padId)).ToList();
            int stepTargets = batches.Sum(b => b.TargetCount);
            double stepLoss = 0;
            foreach (var batch in batches)
            {
                using var scope = torch.NewDisposeScope();
                Tensor sum;
                using (MixedPrecision.Scope(_options.ComputeDType)) sum = loss.Sum(batch);
                var scaled = sum.DividedBy(stepTargets);
                scaled.backward();
                stepLoss += sum.item<float>();
                tokensSeen += batch.TokenCount;
            }
            return stepTargets == 0 ? 0 : stepLoss / stepTargets;
        }

        var validationSequences = validation.Select(v => v.Sequence).ToList();
        Func<double>? validate = validation.Count > 0 ? () => ValidationLoss(loss, validationSequences, padId) : null;
        int startStep = -1;
        void OnStep(TrainingLoopStep<double> done)
        {
            if (startStep < 0) startStep = done.Step - 1;
            var elapsed = clock.Elapsed;
            var remaining = TimeSpan.FromTicks(elapsed.Ticks / (done.Step - startStep) * (done.TotalSteps - done.Step));
            var report = new TrainingProgress(done.Step, done.TotalSteps, done.Phase, done.Metrics, done.LearningRate,
                tokensSeen / Math.Max(1e-9, elapsed.TotalSeconds), elapsed, remaining, done.ValidationLoss);
            progress?.Report(report);
            _logger.LogInformation("step {Step}/{Total} {Phase} loss {Loss:F4} lr {Lr:E2} {Tps:F0} tok/s eta {Eta}{Validation}",
                done.Step, done.TotalSteps, done.Phase, done.Metrics, done.LearningRate, report.TokensPerSecond,
                remaining.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture), done.ValidationLoss is { } v ? $" validation {v:F4}" : "");
        }

        loop.Run(model, trainable, fingerprint, ComputeGradients, validate, OnStep, cancellationToken);

        if (LoraAdapters.HasAdapters(model)) LoraAdapters.Merge(model);
        var history = new TrainingHistory { TrainLoss = loop.TrainLoss, ValidationLoss = loop.ValidationLoss };
        WriteOutput(model, tokenizer, history, loop.Plan.WarmupSteps, loop.Step, loop.TotalSteps);
        if (_options.DeleteCheckpointsWhenDone && Directory.Exists(_options.EffectiveCheckpointFolder))
            Directory.Delete(_options.EffectiveCheckpointFolder, recursive: true);
        return new TrainingResult(Path.GetFullPath(_options.OutputFolder), loop.Step, loop.TotalSteps,
            loop.TrainLoss.Count > 0 ? loop.TrainLoss[^1] : double.NaN, loop.ValidationLoss.Count > 0 ? loop.ValidationLoss[^1].Loss : null,
            loop.StoppedEarly, loop.ResumedFromStep, dropped, truncated, history);
    }

    /// <summary>
    /// The step's micro-batches as sequences: as planned, or (<paramref name="groupByLength"/>) the step's sequences sorted
    /// longest first (ties in planned order) and cut into micro-batches of the planned size, so each pads to a similar length.
    /// </summary>
    internal static List<List<EncodedSequence>> MicroBatches(TrainingPlan.Step planned, Func<TrainingPlan.Item, EncodedSequence?> sequence, bool groupByLength)
    {
        var asPlanned = planned.MicroBatches.Select(mb => mb.Select(sequence).Where(s => s is not null).Select(s => s!).ToList()).Where(mb => mb.Count > 0).ToList();
        if (!groupByLength || planned.MicroBatches.Count < 2) return asPlanned;
        int size = planned.MicroBatches.Max(mb => mb.Count);
        return [.. asPlanned.SelectMany(mb => mb).OrderByDescending(s => s.Tokens.Length).Chunk(size).Select(c => c.ToList())];
    }

    /// <summary>Mean loss per correction token of a model on rows, without training (e.g. a trained checkpoint on a test file).</summary>
    /// <param name="model">The model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="template">The prompt template the model was trained with.</param>
    /// <param name="maxSequenceLength">Most tokens per sequence; longer rows have their answer truncated.</param>
    /// <param name="batchSize">Sequences per forward pass.</param>
    public static double MeasureLoss(CausalLanguageModel model, ITextTokenizer tokenizer, IReadOnlyList<CorrectionExample> rows,
        CorrectionPromptTemplate? template = null, int maxSequenceLength = 512, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(rows);
        TorchRuntime.EnsureInitialized();
        int? keepId = KeepMarker.Resolve(model.Config.KeepToken, tokenizer, model.Config.VocabSize, CheckpointFolder.ConfigFileName);
        var encoder = new CorrectionSequenceEncoder(tokenizer, template ?? CorrectionPromptTemplate.V1, maxSequenceLength, keepTokenId: keepId, instructions: model.Config.Instructions);
        var sequences = rows.Select(r => encoder.Encode(r, out _)).Where(s => s is not null).Select(s => s!).ToList();
        return ValidationLoss(new CorrectionLoss(model), sequences, tokenizer.PadTokenId ?? tokenizer.EosTokenId ?? 0, batchSize);
    }

    private static double ValidationLoss(CorrectionLoss loss, IReadOnlyList<EncodedSequence> sequences, int padId, int batchSize = 16)
    {
        if (sequences.Count == 0) return double.NaN;
        double sum = 0;
        long count = 0;
        using var noGrad = torch.no_grad();
        foreach (var chunk in sequences.Chunk(batchSize))
        {
            using var scope = torch.NewDisposeScope();
            var batch = SequenceBatch.Collate(chunk, padId);
            sum += loss.Sum(batch).item<float>();
            count += batch.TargetCount;
        }
        return sum / Math.Max(1, count);
    }

    private sealed record EncodedRow(CorrectionExample Example, EncodedSequence Sequence);

    private static (List<EncodedRow> Rows, int Dropped, int Truncated) EncodeAll(CorrectionSequenceEncoder encoder, IReadOnlyList<CorrectionExample> examples)
    {
        var rows = new List<EncodedRow>(examples.Count);
        int dropped = 0, truncated = 0;
        foreach (var example in examples)
        {
            var sequence = encoder.Encode(example, out bool wasTruncated);
            if (sequence is null) { dropped++; continue; }
            if (wasTruncated) truncated++;
            rows.Add(new EncodedRow(example, sequence));
        }
        return (rows, dropped, truncated);
    }

    private CausalLanguageModel CreateModel(ITextTokenizer tokenizer)
    {
        if (_options.BaseModelFolder is { } folder)
            return CausalLanguageModel.Load(folder, _options.TrainingDType, _options.Device);
        var config = _options.ScratchConfig! with
        {
            BosTokenId = tokenizer.BosTokenId,
            EosTokenIds = tokenizer.EosTokenId is { } eos ? [eos] : [],
        };
        if (config.VocabSize < tokenizer.VocabularySize)
            throw new ArgumentException($"The scratch config's vocab_size {config.VocabSize} is smaller than the tokenizer's {tokenizer.VocabularySize} ids.");
        return CausalLanguageModel.CreateRandom(config, _options.Seed, _options.TrainingDType, _options.Device);
    }

    private void WriteOutput(CausalLanguageModel model, HuggingFaceTokenizer tokenizer, TrainingHistory history, int warmupSteps, int steps, int totalSteps)
    {
        AtomicFolder.Write(_options.OutputFolder, _options.OverwriteOutput, folder =>
        {
            model.SaveCheckpoint(folder, _options.SaveDType);
            var eos = model.Config.EosTokenIds.Count > 0 ? model.Config.EosTokenIds : tokenizer.EosTokenId is { } e ? [e] : [];
            new GenerationConfig
            {
                BosTokenId = tokenizer.BosTokenId,
                EosTokenIds = eos,
                PadTokenId = tokenizer.PadTokenId,
                DoSample = false,
                MaxNewTokens = _options.MaxNewTokens,
            }.Save(Path.Combine(folder, GenerationConfig.FileName));
            tokenizer.Save(folder);
            LossCurvePlot.Save(history, Path.Combine(folder, LossCurvePlot.FileName), Path.GetFileName(Path.GetFullPath(_options.OutputFolder).TrimEnd('/')), warmupSteps);
            var log = new
            {
                steps,
                total_steps = totalSteps,
                identity_warmup_steps = warmupSteps,
                template = _options.Template.Name,
                train_loss = history.TrainLoss,
                validation_loss = history.ValidationLoss.Select(v => new { step = v.Step, loss = v.Loss }),
            };
            File.WriteAllText(Path.Combine(folder, TrainingLogFileName), JsonSerializer.Serialize(log, new JsonSerializerOptions { WriteIndented = true }));
        });
    }

    /// <summary>A hash of everything that determines the run's trajectory: options that affect training, and the data.</summary>
    private string Fingerprint(IReadOnlyList<CorrectionExample> rows)
    {
        var o = _options;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{o.BaseModelFolder}|{o.ScratchConfig?.ToJson()}|{o.Template.Format}|{o.MaxSequenceLength}|{o.OverlongRows}|");
        sb.Append(CultureInfo.InvariantCulture, $"{o.IdentityWarmupShare:R}|{o.Epochs}|{o.MicroBatchSize}|{o.GradientAccumulationSteps}|{o.LearningRate:R}|{o.WarmupRatio:R}|");
        sb.Append(CultureInfo.InvariantCulture, $"{o.MinLearningRateRatio:R}|{o.WeightDecay:R}|{o.Beta1:R}|{o.Beta2:R}|{o.Epsilon:R}|{o.MaxGradientNorm:R}|{o.Seed}|");
        sb.Append(CultureInfo.InvariantCulture, $"{o.Lora?.Rank}|{o.Lora?.Alpha:R}|{string.Join(',', o.Lora?.TargetModules ?? [])}|{o.TrainingDType}|");
        if (o.ComputeDType is { } compute) sb.Append(CultureInfo.InvariantCulture, $"compute={compute}|"); // absent by default: old checkpoints still resume
        return RunFingerprint.Of(sb.ToString(), rows.Select(r => new[] { r.Question, r.Answer, r.Correction }));
    }
}
