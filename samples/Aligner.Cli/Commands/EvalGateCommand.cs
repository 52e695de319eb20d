using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Aligner.Cli.Io;
using Aligner.Backends.Onnx.Gating;
using Aligner.Training.Gating;
using Spectre.Console;

namespace Aligner.Cli.Commands;

/// <summary>
/// <c>aligner eval-gate</c>: how a correction gate decides on question/answer/correction rows, by category: rows whose
/// correction equals the answer should be kept, the others flagged. No corrector runs.
/// </summary>
internal static class EvalGateCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data", "-d") { Description = "Question/answer/correction rows (JSONL or Parquet), optionally with a category.", Required = true };
        var gate = new Option<string?>("--gate") { Description = "Gate folder (gate.json + gate.safetensors). Default: the shipped corrector's gate." };
        var threads = CommonOptions.Threads();
        var safetyRules = CommonOptions.SafetyRules();
        var rowsOutput = new Option<string?>("--rows-output") { Description = "Write each row's decision (flagged or kept, right or wrong, scores, category, rule) to this JSONL file." };
        var overwrite = CommonOptions.Overwrite("--rows-output file");
        var command = new Command("eval-gate", "Measure a correction gate alone: answers that need no correction kept, the others flagged, by category.") { data, gate, threads, safetyRules, rowsOutput, overwrite };
        command.SetGuardedAction(async (r, loggerFactory, ct) =>
        {
            string? rowsPath = null;
            if (r.GetValue(rowsOutput) is { } path)
            {
                rowsPath = OutputTarget.ValidateFilePath(path, rowsOutput.Name);
                OutputTarget.RefuseExisting(rowsPath, rowsOutput.Name, r.GetValue(overwrite));
            }
            var folder = AlignerHost.ResolveGateFolder(r.GetValue(gate), AlignerHost.ResolveModelFolder(null))
                ?? throw new CliModelException("no gate: pass --gate <folder>.");
            var rows = TrainCommand.ReadRows(r.GetValue(data)!);
            var (loaded, encoder) = EmbeddingGate.Load(folder, r.GetValue(threads));
            using (encoder)
            {
                var clock = Stopwatch.StartNew();
                ICorrectionGate measured = r.GetValue(safetyRules) == "on" ? new Aligner.Gating.SafetyRulesGate(loaded) : loaded;
                var evaluation = await GateTrainer.EvaluateAsync(measured, rows, ct);
                clock.Stop();
                var table = new Table().AddColumns("category", "rows", "decided right");
                foreach (var (category, (n, right)) in evaluation.ByCategory)
                    table.AddRow(Markup.Escape(category), n.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"{right} ({100.0 * right / n:F1} %)"));
                AnsiConsole.Write(table);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Gate {folder}{(loaded.Tone is not null ? " with its tone head" : "")}{(measured is Aligner.Gating.SafetyRulesGate ? (loaded.Tone is not null ? " and" : " with") + " the safety rules" : "")}: kept {100 * evaluation.KeptShare:F1} % of {evaluation.KeepRows} answers that need no correction, flagged {100 * evaluation.FlaggedShare:F1} % of {evaluation.CorrectRows} that do; {clock.Elapsed.TotalMilliseconds / Math.Max(1, rows.Count):F1} ms per row in batches of 64."));
                if (rowsPath is not null)
                    await OutputTarget.WriteFileAsync(rowsPath, temp => File.WriteAllLinesAsync(temp,
                        rows.Select((row, i) => RowJson(i + 1, row, evaluation.Decisions![i]).ToJsonString(JsonlRows.LineOptions)), ct));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static JsonObject RowJson(int index, Aligner.Training.Data.CorrectionExample row, GateDecision decision) => new()
    {
        ["row"] = index,
        ["question"] = row.Question,
        ["answer"] = row.Answer,
        ["category"] = row.Category,
        ["needs_correction"] = !row.IsIdentity,
        ["flagged"] = decision.Correct,
        ["right"] = decision.Correct != row.IsIdentity,
        ["score"] = decision.Score is { } s ? Math.Round(s, 4) : null,
        ["threshold"] = decision.Threshold is { } t ? Math.Round(t, 4) : null,
        ["harm_score"] = decision.HarmScore is { } h ? Math.Round(h, 4) : null,
        ["tone_score"] = decision.ToneScore is { } tone ? Math.Round(tone, 4) : null,
        ["gate_category"] = decision.Category,
        ["rule"] = decision.Rule,
    };
}
