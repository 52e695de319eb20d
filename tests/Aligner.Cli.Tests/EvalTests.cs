namespace Aligner.Cli.Tests;

/// <summary><c>aligner eval</c> on any question/answer/correction file; fallbacks are never success.</summary>
public sealed class EvalTests
{
    private static readonly string DemoTest = Path.Combine(Cli.Root, "samples", "data", "aligner-demo", "test.jsonl");

    [Fact]
    public async Task Fallbacks_are_reported_apart_and_never_count_as_kept_answers()
    {
        using var dir = new TempFolder();
        var rows = dir.File("rows.jsonl");
        // Every character stops generation at once: each correction is empty and falls back to the original answer.
        // (The previous demo corrector: it has no keep marker, so it always writes, and the stops cut every answer.)
        var args = new List<string> { "eval", "--data", DemoTest, "--limit", "6", "--rows-output", rows, "--model", System.IO.Path.Combine(Cli.Root, "samples", "models", "aligner-demo") };
        foreach (var c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?'\"-\n")
        {
            args.Add("--stop");
            args.Add(c.ToString());
        }
        var run = await Cli.RunAsync([.. args]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var table = run.Stdout.Split('\n');
        Assert.Contains("| fallbacks (original answer returned; never counted as success) | 0 | 6 (EmptyOutput 6) |", table);
        var kept = table.Single(l => l.StartsWith("| answer kept exactly", StringComparison.Ordinal)).Split('|', StringSplitOptions.TrimEntries);
        Assert.StartsWith("100.0 %", kept[2]); // the baseline keeps every identity row
        Assert.StartsWith("0.0 %", kept[3]); // the fallbacks keep them too, but do not count
        int good = File.ReadLines(DemoTest).Take(6).Count(l => l.Contains("\"category\":\"good\"", StringComparison.Ordinal));
        Assert.Contains($"| good: preserved (edit similarity ≥ 0.95) | 100.0 % ({good}/{good}) | 0.0 % (0/{good}) |", table);
        var perRow = Cli.ReadJsonl(rows);
        Assert.Equal(6, perRow.Count);
        Assert.All(perRow, r => Assert.True((bool)r["fallback"]!));
        Assert.All(perRow, r => Assert.Equal(0.0, (double)r["chrf"]!));
        Assert.Contains("eval: 6/6 rows", run.Stderr);
    }

    [Fact]
    public async Task A_file_without_categories_is_scored_by_keep_rate_exact_match_and_chrf()
    {
        using var dir = new TempFolder();
        var data = dir.File("qac.jsonl");
        await File.WriteAllLinesAsync(data,
        [
            """{"question":"What is the capital of France?","answer":"Paris.","correction":"Paris."}""",
            """{"question":"How many legs does a spider have?","answer":"Six.","correction":"Eight."}""",
            """{"question":"How do I say thanks?","answer":"Don't.","correction":"Say 'thank you' and mean it."}""",
        ]);
        var rows = dir.File("rows.jsonl");
        var run = await Cli.RunAsync("eval", "--data", data, "--rows-output", rows, "--max-new-tokens", "24");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("| rows | 3 | 3 |", run.Stdout);
        Assert.Contains("| answer kept exactly where the reference keeps it | 100.0 % (1/1) |", run.Stdout);
        Assert.DoesNotContain("preserved", run.Stdout); // no category field, no category rows
        var perRow = Cli.ReadJsonl(rows);
        Assert.Equal([true, false, false], perRow.Select(r => (bool)r["reference_keeps_answer"]!));
        Assert.All(perRow, r => Assert.InRange((double)r["chrf"]!, 0, 100));
        Assert.Equal("Eight.", (string?)perRow[1]["reference"]);
    }

    [Fact]
    public async Task Existing_report_files_are_refused_before_any_work_unless_overwrite()
    {
        using var dir = new TempFolder();
        var rows = dir.File("rows.jsonl");
        await File.WriteAllTextAsync(rows, "keep me");
        // The model is missing too: the output files are checked first.
        var refused = await Cli.RunAsync("eval", "--data", DemoTest, "--rows-output", rows, "--model", dir.File("no-model"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--overwrite", Assert.Single(refused.MessageLines));
        Assert.Equal("keep me", await File.ReadAllTextAsync(rows));

        var report = dir.File("report.md");
        var replaced = await Cli.RunAsync("eval", "--data", DemoTest, "--limit", "2", "--max-new-tokens", "8", "--rows-output", rows, "--report", report, "--overwrite");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal(2, Cli.ReadJsonl(rows).Count);
        Assert.StartsWith("| metric |", await File.ReadAllTextAsync(report));
        Assert.Equal(["report.md", "rows.jsonl"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());
    }
}
