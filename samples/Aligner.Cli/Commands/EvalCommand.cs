using System.CommandLine;
using Aligner.Training.Evaluation;
using Microsoft.Extensions.DependencyInjection;

namespace Aligner.Cli.Commands;

/// <summary><c>aligner eval</c>: the reference-based correction metrics of a corrector on a question/answer/correction file.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data", "-d") { Description = "Question/answer/correction rows (JSONL or Parquet), e.g. samples/data/aligner-demo/test.jsonl.", Required = true };
        var limit = new Option<int>("--limit") { Description = "Evaluate only the first N rows (0 = all).", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "Rows per batch.", DefaultValueFactory = _ => 8 };
        var report = new Option<string?>("--report") { Description = "Also write the Markdown table to this file." };
        var model = CommonOptions.Model();
        var backend = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var generation = new GenerationOptionBinder();
        var command = new Command("eval", "Measure a corrector on a Q-A-C file: good answers preserved, harmful answers refused, facts fixed, unhelpful answers improved; against the no-correction baseline.")
        {
            data, limit, batch, report, model, backend, threads,
        };
        generation.AddTo(command);
        command.SetGuardedAction(async (r, loggerFactory, ct) =>
        {
            var rows = TrainCommand.ReadRows(r.GetValue(data)!);
            if (r.GetValue(limit) > 0) rows = [.. rows.Take(r.GetValue(limit))];
            var options = generation.Bind(r);
            var folder = AlignerHost.ResolveModelFolder(r.GetValue(model));
            // Metrics in float32 on the torch backend, so that they do not depend on the CPU's 16-bit features.
            await using var provider = AlignerHost.Build(folder, r.GetValue(backend)!, r.GetValue(threads), o => { o.Generation = options; o.MaxBatchSize = r.GetValue(batch); }, loggerFactory,
                string.Equals(r.GetValue(backend), "torch", StringComparison.OrdinalIgnoreCase) ? TorchSharp.torch.ScalarType.Float32 : null);
            var aligner = provider.GetRequiredService<IAligner>();
            var (corrected, _) = await CorrectionEvaluator.EvaluateAsync(Path.GetFileName(folder), rows, async (chunk, token) =>
            {
                var results = await aligner.CorrectBatchAsync([.. chunk.Select(x => new CorrectionRequest(x.Question, x.Answer))], token);
                return [.. results.Select(x => x.CorrectedAnswer)];
            }, r.GetValue(batch), cancellationToken: ct);
            var table = CorrectionReport.ToMarkdownTable([CorrectionEvaluator.NoCorrection(rows), corrected]);
            Console.WriteLine(table);
            if (r.GetValue(report) is { } path) await File.WriteAllTextAsync(path, table, ct);
            return ExitCodes.Success;
        });
        return command;
    }
}
