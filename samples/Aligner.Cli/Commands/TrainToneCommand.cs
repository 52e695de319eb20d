using System.CommandLine;
using System.Globalization;
using Aligner.Backends.Onnx.Gating;
using Aligner.Cli.Io;
using Aligner.Gating;
using Aligner.Training.Data;
using Aligner.Training.Gating;

namespace Aligner.Cli.Commands;

/// <summary>
/// <c>aligner train-tone</c>: trains a gate's tone head (a logistic regression on the answer's sentence embedding that
/// marks rude or dismissive answers) and saves it as tone.json into an existing gate folder, whose encoder it uses.
/// </summary>
internal static class TrainToneCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data", "-d") { Description = "Training rows: JSONL or Parquet with question, answer, correction and category (rude: the --rude-category rows whose correction differs).", Required = true };
        var gate = new Option<string>("--gate") { Description = "Gate folder (gate.json + gate.safetensors) the tone head joins; tone.json is written there.", Required = true };
        var extra = new Option<string[]>("--extra-data") { Description = "More rows (repeatable), weighted by --extra-weight and never held out: e.g. hand-written rude and civil answers.", AllowMultipleArgumentsPerToken = false };
        var extraWeight = new Option<double>("--extra-weight") { Description = "Weight of each --extra-data row against one --data row.", DefaultValueFactory = _ => 10 };
        extraWeight.Must(v => v > 0 && double.IsFinite(v), "must be a positive number");
        var validation = new Option<string?>("--validation") { Description = "Rows for choosing the threshold (default: a seeded share of --data)." };
        var rudeCategory = new Option<string[]>("--rude-category") { Description = "Category of rude answers (repeatable). Default: unhelpful and rude.", AllowMultipleArgumentsPerToken = false };
        var category = new Option<string>("--category") { Description = "Gate category a rude answer is flagged with (selects the corrector's instruction).", DefaultValueFactory = _ => "unhelpful" };
        var falseRate = new Option<double>("--target-false-rate") { Description = "Share of civil validation answers the head may mark as rude; the threshold is chosen for it.", DefaultValueFactory = _ => 0.003 };
        falseRate.Must(v => v is > 0 and < 1, "must be in (0, 1)");
        var limit = new Option<int>("--limit") { Description = "Train on a seeded random sample of this many rows of --data (0 = all).", DefaultValueFactory = _ => 0 };
        limit.MustBeAtLeast(0);
        var seed = new Option<int>("--seed") { Description = "Seed of the sample and the held-out split.", DefaultValueFactory = _ => 1 };
        var threads = CommonOptions.Threads();
        var overwrite = CommonOptions.Overwrite("tone.json in --gate");
        var command = new Command("train-tone", "Train a gate's tone head: marks rude or dismissive answers from the answer's sentence embedding; saved as tone.json in the gate folder.")
        {
            data, gate, extra, extraWeight, validation, rudeCategory, category, falseRate, limit, seed, threads, overwrite,
        };
        command.SetGuardedAction(async (r, loggerFactory, ct) =>
        {
            var folder = OutputTarget.ValidateFolderPath(r.GetValue(gate)!, "--gate");
            if (!Directory.Exists(folder)) throw new CliModelException($"--gate '{r.GetValue(gate)}': the folder '{folder}' does not exist (train a gate first with 'aligner train-gate').");
            OutputTarget.RefuseExisting(Path.Combine(folder, ToneHead.FileName), "--gate", r.GetValue(overwrite));
            var head = GateHead.Load(folder);
            var rows = CorrectionDatasetSplitter.Sample(TrainCommand.ReadRows(r.GetValue(data)!), r.GetValue(limit), r.GetValue(seed));
            var extraRows = (r.GetValue(extra) ?? []).SelectMany(TrainCommand.ReadRows).ToList();
            var valid = r.GetValue(validation) is { } v ? TrainCommand.ReadRows(v) : null;
            var options = new ToneTrainingOptions
            {
                RudeCategories = r.GetValue(rudeCategory) is { Length: > 0 } rc ? rc : ["unhelpful", "rude"],
                Category = r.GetValue(category)!,
                TargetFalseRate = r.GetValue(falseRate),
                ExtraWeight = r.GetValue(extraWeight),
                Seed = r.GetValue(seed),
            };
            using var encoder = EmbeddingGate.LoadEncoderFor(head, folder, r.GetValue(threads));
            var progress = new TrainGateCommand.SyncProgress<GateTrainingProgress>(p =>
            {
                if (p.Stage == "embedding" && p.Done != p.Total && p.Done % 2048 >= 64) return;
                Console.Error.WriteLine(p.Loss is { } loss
                    ? string.Create(CultureInfo.InvariantCulture, $"train-tone: step {p.Done}/{p.Total}, loss {loss:F4}")
                    : $"train-tone: embedded {p.Done}/{p.Total} answers");
            });
            var result = await ToneHeadTrainer.TrainAsync(encoder, rows, extraRows, valid, options, progress, ct);
            if (result.Head.TrainingInfo is { } info)
            {
                info["data"] = r.GetValue(data);
                info["extra_data"] = new System.Text.Json.Nodes.JsonArray([.. (r.GetValue(extra) ?? []).Select(f => (System.Text.Json.Nodes.JsonNode?)f)]);
                info["validation"] = r.GetValue(validation);
            }
            result.Head.Save(folder);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Tone head saved to {Path.Combine(folder, ToneHead.FileName)}: threshold {result.Head.Threshold:F4}; on the validation rows it marks {100 * result.ValidationFalseRate:F2} % of {result.ValidationCivil} civil answers as rude and {(result.ValidationRude == 0 ? "-" : (100 * result.ValidationRecall).ToString("F1", CultureInfo.InvariantCulture) + " %")} of {result.ValidationRude} rude ones."));
            return ExitCodes.Success;
        });
        return command;
    }
}
