using System.CommandLine;
using Aligner.Checkpoints;
using Aligner.Cli.Io;
using Aligner.Training.Data;
using Aligner.Training;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Aligner.Cli.Commands;

/// <summary><c>aligner train</c>: supervised fine-tuning of a corrector on question/answer/correction rows.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data", "-d") { Description = "Training rows: JSONL or Parquet with question, answer, correction.", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Validation rows (default: a seeded share of --data)." };
        var validationShare = new Option<double>("--validation-share") { Description = "Share of --data held out for validation when --validation is not given.", DefaultValueFactory = _ => 0.1 };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the trained checkpoint (Hugging Face layout).", Required = true };
        var baseModel = new Option<string?>("--base") { Description = "Fine-tune this Hugging Face checkpoint folder (the usual case)." };
        var config = new Option<string?>("--config") { Description = "Train from scratch with this config.json (GPT-2 tokenizer unless --tokenizer)." };
        var tokenizerFolder = new Option<string?>("--tokenizer") { Description = "With --config: the folder of the new model's tokenizer (tokenizer.json)." };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 3, Description = "Epochs over the data." };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 4, Description = "Sequences per micro-batch." };
        var accumulation = new Option<int>("--grad-accum") { DefaultValueFactory = _ => 8, Description = "Micro-batches per optimizer step." };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 2e-5, Description = "Peak learning rate (cosine schedule)." };
        var warmup = new Option<double>("--warmup-ratio") { DefaultValueFactory = _ => 0.03, Description = "Share of steps for linear learning-rate warm-up." };
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => 0.0, Description = "AdamW weight decay." };
        var identity = new Option<double>("--identity-warmup") { DefaultValueFactory = _ => 0.2, Description = "Share of rows used for the identity (copy the answer) warm-up phase." };
        var maxLength = new Option<int>("--max-length") { DefaultValueFactory = _ => 512, Description = "Longest training sequence in tokens." };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 42, Description = "Seed of initialisation, data order and splits." };
        var validateEvery = new Option<int>("--validate-every") { DefaultValueFactory = _ => 100, Description = "Optimizer steps between validation losses." };
        var loraRank = new Option<int>("--lora-rank") { DefaultValueFactory = _ => 0, Description = "Train LoRA adapters of this rank (0 = full fine-tuning); merged into the weights on save." };
        var loraAlpha = new Option<double>("--lora-alpha") { DefaultValueFactory = _ => 16, Description = "LoRA alpha." };
        var overwrite = CommonOptions.Overwrite("output folder");
        var checkpointEvery = new Option<int>("--checkpoint-every") { DefaultValueFactory = _ => 0, Description = "Write a resumable checkpoint every N optimizer steps (0 = only at the end). Rerunning the same command resumes from the latest one." };
        var checkpointFolder = new Option<string?>("--checkpoint-folder") { Description = "Where resumable checkpoints go (default: <output>.checkpoints)." };
        var limit = new Option<int>("--limit") { DefaultValueFactory = _ => 0, Description = "Train on a seeded random sample of this many rows (0 = all)." };
        limit.MustBeAtLeast(0);
        var decouple = new Option<string[]>("--decouple-category") { Description = "With --template instruct: also train each row of this category (repeatable) with another row's question and with another row's answer, so the category's instruction, not its content, decides (for corrections that do not depend on content, e.g. refusals)." };
        var template = new Option<string>("--template") { Description = "Prompt template the corrector learns: v1 (default), v2, or instruct (one instruction per row category, from the model config's aligner_instructions).", DefaultValueFactory = _ => "v1" };
        template.AcceptOnlyFromAmong(CliNames.Templates);
        var saveDType = new Option<string>("--save-dtype") { DefaultValueFactory = _ => "f32", Description = "Stored weight type: f32, f16 or bf16." };
        var computeDType = new Option<string>("--compute-dtype")
        {
            DefaultValueFactory = _ => "f32",
            Description = "Matrix products during training: f32 (default) or bf16 (mixed precision: float32 weights, gradients and optimizer state; " +
                "the linear layers multiply in bf16, several times faster on CPUs with native bf16 such as avx512_bf16).",
        };

        var plannedOrder = new Option<bool>("--no-group-by-length")
        {
            Description = "Keep each optimizer step's micro-batches in the planned (shuffled) order. By default a step's rows are regrouped into " +
                "micro-batches of similar length, so short rows are not padded to a long one's length (same rows, same gradient; pays with --grad-accum above 1).",
        };

        epochs.MustBeAtLeast(1);
        batch.MustBeAtLeast(1);
        accumulation.MustBeAtLeast(1);
        lr.Must(v => v > 0 && double.IsFinite(v), "must be a positive number");
        warmup.Must(v => v is >= 0 and <= 1, "must be in [0, 1]");
        weightDecay.Must(v => v >= 0, "must not be negative");
        identity.Must(v => v is >= 0 and <= 1, "must be in [0, 1]");
        validationShare.Must(v => v is >= 0 and < 1, "must be in [0, 1)");
        maxLength.MustBeAtLeast(8);
        validateEvery.MustBeAtLeast(0);
        loraRank.MustBeAtLeast(0);
        loraAlpha.Must(v => v > 0 && double.IsFinite(v), "must be a positive number");
        checkpointEvery.MustBeAtLeast(0);
        saveDType.AcceptOnlyFromAmong("f32", "f16", "bf16");
        computeDType.AcceptOnlyFromAmong("f32", "bf16");

        var command = new Command("train", "Train a corrector (SFT with correction-only loss, identity warm-up, optional LoRA).")
        {
            data, validation, validationShare, output, baseModel, config, tokenizerFolder, epochs, batch, accumulation, lr, warmup, weightDecay,
            identity, maxLength, seed, validateEvery, loraRank, loraAlpha, overwrite, saveDType, computeDType, plannedOrder, checkpointEvery, checkpointFolder, template, limit, decouple,
        };
        command.SetGuardedAction((r, loggerFactory, ct) =>
        {
            if ((r.GetValue(baseModel) is null) == (r.GetValue(config) is null))
                throw new CliUsageException("give exactly one of --base <checkpoint folder> or --config <config.json>.");
            var outputFolder = OutputTarget.ValidateFolderPath(r.GetValue(output)!, "--output");
            OutputTarget.RefuseExisting(outputFolder, "--output", r.GetValue(overwrite));
            if (r.GetValue(baseModel) is { } baseFolder && !Directory.Exists(baseFolder))
                throw new CliModelException($"--base '{baseFolder}': the folder '{Path.GetFullPath(baseFolder)}' does not exist.");
            if (r.GetValue(config) is { } configFile && !File.Exists(configFile))
                throw new CliModelException($"--config '{configFile}': the file '{Path.GetFullPath(configFile)}' does not exist.");
            var rows = ReadRows(r.GetValue(data)!);
            IReadOnlyList<CorrectionExample> train, valid;
            if (r.GetValue(validation) is { } validationPath)
            {
                train = rows;
                valid = ReadRows(validationPath);
            }
            else
            {
                (train, valid) = CorrectionDatasetSplitter.Split(rows, r.GetValue(validationShare), r.GetValue(seed));
            }
            train = CorrectionDatasetSplitter.Sample(train, r.GetValue(limit), r.GetValue(seed));
            if (r.GetValue(decouple) is { Length: > 0 } categories)
            {
                if (r.GetValue(template) != "instruct") throw new CliUsageException("--decouple-category needs --template instruct (the instruction must carry the category).");
                train = InstructionAugmentation.DecoupleContent(train, categories, r.GetValue(seed));
            }
            var options = new TrainingOptions
            {
                OutputFolder = outputFolder,
                BaseModelFolder = r.GetValue(baseModel) is { } b ? Path.GetFullPath(b) : null,
                ScratchConfig = r.GetValue(config) is { } c ? DecoderConfig.Load(c) : null,
                ScratchTokenizerFolder = r.GetValue(tokenizerFolder),
                Template = CorrectionPromptTemplate.FromName(r.GetValue(template)!),
                Epochs = r.GetValue(epochs),
                MicroBatchSize = r.GetValue(batch),
                GradientAccumulationSteps = r.GetValue(accumulation),
                LearningRate = r.GetValue(lr),
                WarmupRatio = r.GetValue(warmup),
                WeightDecay = r.GetValue(weightDecay),
                IdentityWarmupShare = r.GetValue(identity),
                MaxSequenceLength = r.GetValue(maxLength),
                Seed = r.GetValue(seed),
                ValidationEverySteps = r.GetValue(validateEvery),
                Lora = r.GetValue(loraRank) > 0 ? new LoraOptions { Rank = r.GetValue(loraRank), Alpha = r.GetValue(loraAlpha) } : null,
                OverwriteOutput = r.GetValue(overwrite),
                CheckpointEverySteps = r.GetValue(checkpointEvery),
                CheckpointFolder = r.GetValue(checkpointFolder) is { } cf ? Path.GetFullPath(cf) : null,
                SaveDType = r.GetValue(saveDType)!.ToLowerInvariant() switch
                {
                    "f32" or "float32" => TorchSharp.torch.ScalarType.Float32,
                    "f16" or "float16" => TorchSharp.torch.ScalarType.Float16,
                    "bf16" or "bfloat16" => TorchSharp.torch.ScalarType.BFloat16,
                    var other => throw new CliUsageException($"--save-dtype '{other}' is not one of f32, f16, bf16."),
                },
                ComputeDType = r.GetValue(computeDType) == "bf16" ? TorchSharp.torch.ScalarType.BFloat16 : null,
                GroupByLength = !r.GetValue(plannedOrder),
            };
            try { options.Validate(); }
            catch (ArgumentException e) when (e.ParamName is { } name && TrainingFlags.TryGetValue(name, out var flag))
            {
                throw new CliUsageException(e.Message.Replace(name, flag, StringComparison.Ordinal).Replace($" (Parameter '{flag}')", "", StringComparison.Ordinal));
            }
            var result = RunWithProgress(options, train, valid, loggerFactory, ct);
            AnsiConsole.MarkupLine($"[green]Saved[/] {Markup.Escape(result.OutputFolder)}: {result.Steps} steps, train loss {result.FinalTrainLoss:F6}"
                + (result.FinalValidationLoss is { } v ? $", validation loss {v:F4}" : "")
                + (result.DroppedRows > 0 ? $", {result.DroppedRows} overlong rows left out" : "")
                + (result.TruncatedAnswers > 0 ? $", {result.TruncatedAnswers} answers truncated" : ""));
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>The flag of each <see cref="TrainingOptions"/> property the command sets, for messages.</summary>
    private static readonly Dictionary<string, string> TrainingFlags = new()
    {
        [nameof(TrainingOptions.Epochs)] = "--epochs",
        [nameof(TrainingOptions.MicroBatchSize)] = "--batch-size",
        [nameof(TrainingOptions.GradientAccumulationSteps)] = "--grad-accum",
        [nameof(TrainingOptions.LearningRate)] = "--lr",
        [nameof(TrainingOptions.WarmupRatio)] = "--warmup-ratio",
        [nameof(TrainingOptions.WeightDecay)] = "--weight-decay",
        [nameof(TrainingOptions.IdentityWarmupShare)] = "--identity-warmup",
        [nameof(TrainingOptions.MaxSequenceLength)] = "--max-length",
        [nameof(TrainingOptions.ValidationEverySteps)] = "--validate-every",
        [nameof(TrainingOptions.CheckpointEverySteps)] = "--checkpoint-every",
        [nameof(TrainingOptions.OutputFolder)] = "--output",
    };

    internal static IReadOnlyList<CorrectionExample> ReadRows(string path)
    {
        try
        {
            var rows = CorrectionDatasetSplitter.RemoveDuplicates(CorrectionDatasetReader.Read(path), out int removed);
            if (removed > 0) Console.Error.WriteLine($"aligner: {path}: {removed} duplicate rows removed.");
            return rows;
        }
        catch (DatasetFormatException e)
        {
            // System.Text.Json's own position counts lines from 0 inside one JSONL line: the file:line prefix says where.
            throw new InputDataException(e.InnerException is System.Text.Json.JsonException ? JsonlRows.CleanJsonMessage(e.Message) : e.Message);
        }
    }

    internal static TrainingResult RunWithProgress(TrainingOptions options, IReadOnlyList<CorrectionExample> train, IReadOnlyList<CorrectionExample> valid,
        Microsoft.Extensions.Logging.ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var trainer = new CorrectorTrainer(options, loggerFactory.CreateLogger("aligner.train"));
        if (Console.IsOutputRedirected)
        {
            var plain = new SynchronousProgress<TrainingProgress>(p => Console.WriteLine(Describe(p)));
            return trainer.Train(train, valid, plain, ct);
        }
        TrainingResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: 1);
                var progress = new SynchronousProgress<TrainingProgress>(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.Step;
                    task.Description = Markup.Escape(Describe(p));
                });
                result = trainer.Train(train, valid, progress, ct);
            });
        return result!;
    }

    private static string Describe(TrainingProgress p) =>
        $"step {p.Step}/{p.TotalSteps} {p.Phase} loss {p.Loss:F4} lr {p.LearningRate:G3} {p.TokensPerSecond:F0} tok/s"
        + (p.ValidationLoss is { } v ? $" val {v:F4}" : "");

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and lag behind).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
