using System.CommandLine;
using System.Text.Json.Nodes;
using Aligner.Cli.Io;
using Aligner.Training.Evaluation;
using Microsoft.Extensions.DependencyInjection;

namespace Aligner.Cli.Commands;

/// <summary>
/// <c>aligner eval</c>: a corrector on any question/answer/correction file against the no-correction baseline:
/// answers kept where the reference keeps them, exact match and chrF to the reference, per-category checks when the
/// rows have a <c>category</c>; fallbacks reported apart and never counted as success.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data", "-d") { Description = "Question/answer/correction rows (JSONL or Parquet), e.g. samples/data/aligner-demo/test.jsonl.", Required = true };
        var limit = new Option<int>("--limit") { Description = "Evaluate only the first N rows (0 = all).", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "Rows per batch.", DefaultValueFactory = _ => 8 };
        var report = new Option<string?>("--report") { Description = "Also write the Markdown table to this file." };
        var rowsOutput = new Option<string?>("--rows-output") { Description = "Write each row's output and scores to this JSONL file." };
        var overwrite = CommonOptions.Overwrite("--report or --rows-output file");
        var model = CommonOptions.Model();
        var backend = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var gate = CommonOptions.Gate();
        var facts = CommonOptions.Facts();
        var minTopic = CommonOptions.MinTopicSimilarity();
        var safetyRules = CommonOptions.SafetyRules();
        var generation = new GenerationOptionBinder();
        limit.MustBeAtLeast(0);
        batch.MustBeAtLeast(1);
        var command = new Command("eval", "Measure a corrector on a question/answer/correction file against the no-correction baseline: answers kept, exact match and chrF to the reference, per-category checks; fallbacks counted apart.")
        {
            data, limit, batch, report, rowsOutput, overwrite, model, backend, threads, gate, facts, minTopic, safetyRules,
        };
        generation.AddTo(command);
        command.SetGuardedAction(async (r, loggerFactory, ct) =>
        {
            // Output files are checked before any work.
            string? Target(Option<string?> option)
            {
                if (r.GetValue(option) is not { } path) return null;
                var full = OutputTarget.ValidateFilePath(path, option.Name);
                OutputTarget.RefuseExisting(full, option.Name, r.GetValue(overwrite));
                return full;
            }
            var reportPath = Target(report);
            var rowsPath = Target(rowsOutput);
            if (reportPath is not null && reportPath == rowsPath) throw new CliUsageException("--report and --rows-output must be different files.");
            var rows = TrainCommand.ReadRows(r.GetValue(data)!);
            if (r.GetValue(limit) > 0) rows = [.. rows.Take(r.GetValue(limit))];
            var options = generation.Bind(r);
            var folder = AlignerHost.ResolveModelFolder(r.GetValue(model));
            var gateFolder = AlignerHost.ResolveGateFolder(r.GetValue(gate), folder);
            int batchSize = r.GetValue(batch);
            // Metrics in float32 on the torch backend, so that they do not depend on the CPU's 16-bit features.
            var (backendName, backendFolder) = AlignerHost.ResolveBackend(r.GetValue(backend)!, folder, torchOnlyFlags: false, loggerFactory.CreateLogger("aligner"));
            await using var provider = AlignerHost.Build(backendFolder, backendName, r.GetValue(threads), o => { AlignerHost.ApplyModelDefaults(o, folder, null, gateFolder); o.Generation = options; o.MaxBatchSize = batchSize; o.FactCheckers = CommonOptions.FactCheckers(r.GetValue(facts), folder); o.KnowledgeSources = CommonOptions.KnowledgeSources(r.GetValue(facts), folder); CommonOptions.ApplyTopicCheck(o, r.GetValue(minTopic)); }, loggerFactory,
                backendName == "torch" ? TorchSharp.torch.ScalarType.Float32 : null, gateFolder, safetyRules: r.GetValue(safetyRules) == "on");
            var aligner = provider.GetRequiredService<IAligner>();

            int gateKept = 0;
            var evaluated = await RowProgress.RunAsync("eval", rows.Count, 0, async report =>
            {
                var list = new List<EvaluatedRow>(rows.Count);
                foreach (var chunk in rows.Chunk(batchSize))
                {
                    var results = await aligner.CorrectBatchAsync([.. chunk.Select(x => new CorrectionRequest(x.Question, x.Answer))], ct);
                    gateKept += results.Count(x => x.Gate is { Correct: false });
                    list.AddRange(chunk.Zip(results, (row, result) => new EvaluatedRow(row, result.CorrectedAnswer, result.IsFallback, result.IsFallback ? result.FallbackReason.ToString() : null, result.KeepProbability, result.Gate is { } g ? (g.Correct ? "correct" : "keep") : null)
                    {
                        AnsweredBy = result.Knowledge?.SourceId ?? (result.FactChecks is { Count: > 0 } checks ? string.Join(",", checks.Select(c => c.CheckerId)) : null),
                    }));
                    report(list.Count);
                }
                return list;
            });
            var modelReport = ReferenceEvaluator.Evaluate(Path.GetFileName(folder), evaluated);
            var table = ReferenceReport.ToMarkdownTable([ReferenceEvaluator.NoCorrection(rows), modelReport]);
            Console.WriteLine(table);
            if (gateFolder is not null)
                Console.WriteLine($"Gate {gateFolder}: kept {gateKept} of {rows.Count} answers without running the corrector.");
            if (reportPath is not null) await OutputTarget.WriteFileAsync(reportPath, temp => File.WriteAllTextAsync(temp, table, ct));
            if (rowsPath is not null)
            {
                await OutputTarget.WriteFileAsync(rowsPath, temp => File.WriteAllLinesAsync(temp,
                    evaluated.Select((row, i) => RowJson(i + 1, row, modelReport.RowScores[i]).ToJsonString(JsonlRows.LineOptions)), ct));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static JsonObject RowJson(int index, EvaluatedRow row, RowScore score) => new()
    {
        ["row"] = index,
        ["question"] = row.Example.Question,
        ["answer"] = row.Example.Answer,
        ["reference"] = row.Example.Correction,
        ["output"] = row.Output,
        ["category"] = row.Example.Category,
        ["keep_probability"] = row.KeepProbability is { } p ? Math.Round(p, 4) : null,
        ["gate_decision"] = row.GateDecision,
        ["answered_by"] = row.AnsweredBy,
        ["fallback"] = row.IsFallback,
        ["fallback_reason"] = row.FallbackReason,
        ["reference_keeps_answer"] = score.ReferenceKeepsAnswer,
        ["kept_exactly"] = score.KeptExactly,
        ["exact_match"] = score.ExactMatch,
        ["chrf"] = Math.Round(score.ChrF, 2),
        ["category_check"] = score.CategoryCheckPassed,
    };
}
