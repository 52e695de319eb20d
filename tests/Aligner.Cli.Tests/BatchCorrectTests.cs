using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Aligner.Cli.Tests;

/// <summary><c>aligner correct --input rows.jsonl --output out.jsonl</c>: streaming, resuming, Ctrl-C, bad rows, output checks.</summary>
public sealed class BatchCorrectTests
{
    private const string Short = "8"; // --max-new-tokens: these tests are about the batch mechanics, not the corrections

    [Fact]
    public async Task Rows_are_written_in_input_order_with_their_line_and_id()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        await File.WriteAllLinesAsync(input,
        [
            """{"id":"a-1","question":"What is 2 + 2?","answer":"2 + 2 = 4."}""",
            "",
            """{"id":7,"question":"How do I apologise to a friend?","answer":"Whatever."}""",
            """{"question":"How many centimetres are in 3 metres?","answer":"300."}""",
        ]);
        var run = await Cli.RunAsync("correct", "--input", input, "--output", dir.File("out.jsonl"), "--max-new-tokens", Short);
        Assert.True(run.ExitCode == 0, run.ToString());
        var rows = Cli.ReadJsonl(dir.File("out.jsonl"));
        Assert.Equal([1, 3, 4], rows.Select(r => (int)r["line"]!));
        Assert.Equal("a-1", (string?)rows[0]["id"]);
        Assert.Equal(7, (int)rows[1]["id"]!);
        Assert.Null(rows[2]["id"]);
        Assert.Equal("How do I apologise to a friend?", (string?)rows[1]["question"]);
        Assert.All(rows, r => Assert.False(string.IsNullOrWhiteSpace((string?)r["correction"])));
        Assert.Contains("correct: 3/3 rows", run.Stderr); // plain progress lines, as stderr is redirected
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task Without_output_the_rows_stream_to_stdout_as_jsonl()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        await File.WriteAllLinesAsync(input, Rows.Demo(3));
        var run = await Cli.RunAsync("correct", "--input", input, "--max-new-tokens", Short);
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([1, 2, 3], lines.Select(l => (int)JsonNode.Parse(l)!["line"]!));
    }

    [Fact]
    public async Task A_rerun_resumes_after_the_last_complete_row_and_repairs_a_truncated_last_line()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        var output = dir.File("out.jsonl");
        await File.WriteAllLinesAsync(input, Rows.Demo(6));
        var first = await Cli.RunAsync("correct", "--input", input, "--output", output, "--max-new-tokens", Short);
        Assert.True(first.ExitCode == 0, first.ToString());
        var complete = await File.ReadAllLinesAsync(output);
        Assert.Equal(6, complete.Length);

        // As if killed while writing row 4: three complete rows and half of the fourth.
        await File.WriteAllTextAsync(output, string.Join("\n", complete.Take(3)) + "\n" + complete[3][..(complete[3].Length / 2)]);
        var resumed = await Cli.RunAsync("correct", "--input", input, "--output", output, "--max-new-tokens", Short);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var lines = await File.ReadAllLinesAsync(output);
        Assert.Equal(complete.Take(3), lines.Take(3)); // kept byte for byte, not redone
        Assert.Equal([1, 2, 3, 4, 5, 6], lines.Select(l => (int)JsonNode.Parse(l)!["line"]!));
        Assert.Equal(complete.Select(Question), lines.Select(Question));

        // Everything done: a third run changes nothing.
        var again = await Cli.RunAsync("correct", "--input", input, "--output", output, "--max-new-tokens", Short);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("nothing to do", again.Stderr);
        Assert.Equal(lines, await File.ReadAllLinesAsync(output));
    }

    [Fact]
    public async Task An_output_of_other_rows_is_refused_unless_overwrite()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        var output = dir.File("out.jsonl");
        await File.WriteAllLinesAsync(input, Rows.Demo(2));
        await File.WriteAllLinesAsync(output, [.. Rows.Demo(4).Skip(2).Select((l, i) => l.Replace("{\"question\"", $"{{\"line\":{i + 1},\"question\"", StringComparison.Ordinal))]);
        var before = await File.ReadAllTextAsync(output);

        var refused = await Cli.RunAsync("correct", "--input", input, "--output", output, "--max-new-tokens", Short);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--overwrite", Assert.Single(refused.MessageLines));
        Assert.Equal(before, await File.ReadAllTextAsync(output));

        var replaced = await Cli.RunAsync("correct", "--input", input, "--output", output, "--max-new-tokens", Short, "--overwrite");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        var rows = Cli.ReadJsonl(output);
        Assert.Equal(Rows.Demo(2).Select(l => (string?)JsonNode.Parse(l)!["question"]), rows.Select(r => (string?)r["question"]));
        Assert.Equal(["in.jsonl", "out.jsonl"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_foreign_file_without_a_newline_is_refused_not_taken_for_a_cut_off_row()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        var output = dir.File("out.jsonl");
        await File.WriteAllLinesAsync(input, Rows.Demo(1));
        await File.WriteAllTextAsync(output, "my notes, no newline");
        var run = await Cli.RunAsync("correct", "--input", input, "--output", output, "--max-new-tokens", Short);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--overwrite", Assert.Single(run.MessageLines));
        Assert.Equal("my notes, no newline", await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task Ctrl_C_stops_with_exit_130_a_one_line_message_and_a_valid_partial_file_that_a_rerun_completes()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        var output = dir.File("out.jsonl");
        const int total = 300;
        await File.WriteAllLinesAsync(input, Rows.Demo(total));
        // --gate none: every row then runs the corrector, so the run is still going when the signal lands.
        string[] args = ["correct", "--input", input, "--output", output, "--max-new-tokens", Short, "--gate", "none"];

        using (var process = Process.Start(Cli.StartInfo(args))!)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            // Wait for the first complete row, then interrupt.
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (!HasCompleteRow(output))
            {
                if (process.HasExited) Assert.Fail("the CLI exited before writing a row: " + await stderr);
                await Task.Delay(10, timeout.Token);
            }
            bool signalled = Cli.Signal(process, Cli.InterruptSignal);
            await process.WaitForExitAsync(timeout.Token);
            var run = new CliRun(process.ExitCode, await stdout, await stderr);
            Assert.True(signalled, "the CLI had exited before the signal: " + run);
            Assert.True(run.ExitCode == 130, run.ToString());
            var message = Assert.Single(run.MessageLines);
            Assert.Contains("cancelled", message);
            Assert.DoesNotContain("   at ", run.Stderr);
        }
        var partial = Cli.ReadJsonl(output); // every line is complete JSON
        Assert.InRange(partial.Count, 1, total - 1);
        Assert.Equal(Enumerable.Range(1, partial.Count), partial.Select(r => (int)r["line"]!));

        var resumed = await Cli.RunAsync(args);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var rows = Cli.ReadJsonl(output);
        Assert.Equal(Enumerable.Range(1, total), rows.Select(r => (int)r["line"]!));
        Assert.Equal(Rows.Demo(total).Select(l => (string?)JsonNode.Parse(l)!["question"]), rows.Select(r => (string?)r["question"]));
    }

    [Fact]
    public async Task A_missing_output_folder_is_a_usage_error_before_any_work()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        await File.WriteAllLinesAsync(input, Rows.Demo(2));
        // The model folder is missing too: the output is checked first, so the error is about the output.
        var run = await Cli.RunAsync("correct", "--input", input, "--output", dir.File("missing/out.jsonl"), "--model", dir.File("no-model"));
        Assert.Equal(2, run.ExitCode);
        var message = Assert.Single(run.MessageLines);
        Assert.Contains("--output", message);
        Assert.Contains("does not exist", message);
    }

    [Fact]
    public async Task An_unwritable_output_folder_is_a_usage_error_before_any_work()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        await File.WriteAllLinesAsync(input, Rows.Demo(2));
        // /proc refuses new files even for root (a chmod'ed folder would not stop root).
        var run = await Cli.RunAsync("correct", "--input", input, "--output", "/proc/out.jsonl", "--model", dir.File("no-model"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not writable", Assert.Single(run.MessageLines));
    }

    [Fact]
    public async Task A_bad_row_fails_the_run_by_default_naming_its_line_before_any_work()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        var output = dir.File("out.jsonl");
        await File.WriteAllLinesAsync(input, [Rows.Demo(1)[0], """{"question":"Why?","answer":"  "}""", "{\"question\": \"x\", oops}"]);
        var run = await Cli.RunAsync("correct", "--input", input, "--output", output);
        Assert.Equal(4, run.ExitCode);
        var message = Assert.Single(run.MessageLines);
        Assert.Contains("in.jsonl:2: field 'answer' is empty", message);
        Assert.Contains("--on-error skip", message);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Malformed_json_is_reported_with_its_file_line_and_column_only()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        await File.WriteAllLinesAsync(input, [Rows.Demo(1)[0], Rows.Demo(2)[1], "{\"question\": \"x\", oops}"]);
        var run = await Cli.RunAsync("correct", "--input", input, "--output", dir.File("out.jsonl"));
        Assert.Equal(4, run.ExitCode);
        var message = Assert.Single(run.MessageLines);
        Assert.Contains("in.jsonl:3: not valid JSON at column", message);
        Assert.DoesNotContain("LineNumber", message);
        Assert.DoesNotContain("BytePositionInLine", message);
    }

    [Fact]
    public async Task With_on_error_skip_bad_rows_go_to_the_errors_file_and_the_rest_are_corrected()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        var output = dir.File("out.jsonl");
        await File.WriteAllLinesAsync(input, [Rows.Demo(1)[0], """{"question":"Why?"}""", "not json", Rows.Demo(2)[1]]);
        // The topic check off: a short, off-topic correction of a demo row would otherwise be a fallback with its own message.
        var run = await Cli.RunAsync("correct", "--input", input, "--output", output, "--on-error", "skip", "--max-new-tokens", Short, "--min-topic-similarity", "-1");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([1, 4], Cli.ReadJsonl(output).Select(r => (int)r["line"]!));
        var errors = Cli.ReadJsonl(dir.File("out.errors.jsonl"));
        Assert.Equal([2, 3], errors.Select(r => (int)r["line"]!));
        Assert.Contains("'answer' is missing", (string?)errors[0]["error"]);
        Assert.Contains("2 row(s) skipped", Assert.Single(run.MessageLines));

        // A rerun has nothing left to do and keeps both files as they are.
        var errorsBefore = await File.ReadAllTextAsync(dir.File("out.errors.jsonl"));
        var again = await Cli.RunAsync("correct", "--input", input, "--output", output, "--on-error", "skip", "--max-new-tokens", Short);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(errorsBefore, await File.ReadAllTextAsync(dir.File("out.errors.jsonl")));
    }

    [Fact]
    public async Task Rows_that_fell_back_are_flagged_in_the_output_and_counted_on_stderr()
    {
        using var dir = new TempFolder();
        var input = dir.File("in.jsonl");
        var output = dir.File("out.jsonl");
        await File.WriteAllLinesAsync(input, Rows.Demo(2));
        // Every character stops generation at once: each correction is empty and falls back to the original answer.
        // (The previous demo corrector: it has no keep marker, so it always writes, and the stops cut every answer.)
        var args = new List<string> { "correct", "--input", input, "--output", output, "--model", System.IO.Path.Combine(Cli.Root, "samples", "models", "aligner-demo") };
        foreach (var c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?'\"-\n")
        {
            args.Add("--stop");
            args.Add(c.ToString());
        }
        var run = await Cli.RunAsync([.. args]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(Cli.ReadJsonl(output), r => Assert.Equal("EmptyOutput", (string?)r["fallback_reason"]));
        Assert.Contains(run.MessageLines, l => l.Contains("2 row(s) kept the original answer", StringComparison.Ordinal));
    }

    private static string? Question(string line) => (string?)JsonNode.Parse(line)!["question"];

    private static bool HasCompleteRow(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int b;
            while ((b = stream.ReadByte()) >= 0) if (b == '\n') return true;
            return false;
        }
        catch (FileNotFoundException) { return false; }
    }
}
