using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
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
        var command = new Command("eval-gate", "Measure a correction gate alone: answers that need no correction kept, the others flagged, by category.") { data, gate, threads, safetyRules };
        command.SetGuardedAction(async (r, loggerFactory, ct) =>
        {
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
                    $"Gate {folder}{(measured is Aligner.Gating.SafetyRulesGate ? " with the safety rules" : "")}: kept {100 * evaluation.KeptShare:F1} % of {evaluation.KeepRows} answers that need no correction, flagged {100 * evaluation.FlaggedShare:F1} % of {evaluation.CorrectRows} that do; {clock.Elapsed.TotalMilliseconds / Math.Max(1, rows.Count):F1} ms per row in batches of 64."));
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
