using System.Text.RegularExpressions;

namespace Aligner.Cli.Tests;

/// <summary>
/// One error contract for every command: one line on stderr (<c>aligner: ...</c>), nothing on stdout, no stack
/// trace, and the exit code the README lists (2 usage, 3 model files, 4 input data, 5 correction failed).
/// </summary>
public sealed partial class ErrorContractTests
{
    private static readonly string Demo = Path.Combine(Cli.Root, "samples", "models", "aligner-demo");

    [Theory]
    [InlineData("--max-new-tokens", "correct", "-q", "Q?", "-a", "A.", "--max-new-tokens", "abc")]
    [InlineData("--bogus", "correct", "-q", "Q?", "-a", "A.", "--bogus")]
    [InlineData("--threads", "correct", "-q", "Q?", "-a", "A.", "--threads", "-3")]
    [InlineData("--temperature", "correct", "-q", "Q?", "-a", "A.", "--temperature", "-1")]
    [InlineData("--top-p", "correct", "-q", "Q?", "-a", "A.", "--top-p", "0")]
    [InlineData("--rounds", "correct", "-q", "Q?", "-a", "A.", "--rounds", "0")]
    [InlineData("--backend", "correct", "-q", "Q?", "-a", "A.", "--backend", "tensorflow")]
    [InlineData("--memory-limit", "correct", "-q", "Q?", "-a", "A.", "--memory-limit", "lots")]
    [InlineData("--memory-limit", "correct", "-q", "Q?", "-a", "A.", "--memory-limit", "-5GiB")]
    [InlineData("--quantize", "correct", "-q", "Q?", "-a", "A.", "--quantize", "int3")]
    [InlineData("--weights", "correct", "-q", "Q?", "-a", "A.", "--weights", "swap")]
    [InlineData("--on-error", "correct", "--input", "x.jsonl", "--on-error", "ignore")]
    [InlineData("--epochs", "train", "--data", "d.jsonl", "--output", "o", "--base", "b", "--epochs", "0")]
    [InlineData("--lr", "train", "--data", "d.jsonl", "--output", "o", "--base", "b", "--lr", "-1")]
    [InlineData("--save-dtype", "train", "--data", "d.jsonl", "--output", "o", "--base", "b", "--save-dtype", "f8")]
    [InlineData("--data", "train", "--output", "o", "--base", "b")]
    [InlineData("--limit", "eval", "--data", "d.jsonl", "--limit", "many")]
    [InlineData("--batch-size", "eval", "--data", "d.jsonl", "--batch-size", "0")]
    [InlineData("--threads", "eval", "--data", "d.jsonl", "--threads", "-3")]
    [InlineData("--dtype", "export-onnx", "--output", "o", "--dtype", "f8")]
    [InlineData("--output", "export-onnx")]
    [InlineData("--dtype", "export-gguf", "--output", "o.gguf", "--dtype", "q4")]
    [InlineData("--nope", "export-gguf", "--output", "o.gguf", "--nope")]
    [InlineData("frobnicate", "frobnicate")]
    public async Task Parse_errors_are_one_line_on_stderr_with_exit_2_naming_the_flag(string named, params string[] args)
    {
        var run = await Cli.RunAsync(args);
        AssertOneLineError(run, 2);
        Assert.Contains(named, run.Stderr);
    }

    [Fact]
    public async Task No_command_is_a_usage_error()
    {
        var run = await Cli.RunAsync();
        AssertOneLineError(run, 2);
    }

    [Theory]
    [InlineData("correct", "-q", "Q?", "-a", "A.", "--temperature", "-1")]
    [InlineData("correct", "-q", "Q?", "-a", "A.", "--top-k", "-2")]
    [InlineData("correct", "-q", "Q?", "-a", "A.", "--max-new-tokens", "0")]
    [InlineData("correct", "-q", "Q?", "-a", "A.", "--repetition-penalty", "0")]
    [InlineData("train", "--data", "d.jsonl", "--output", "o", "--base", "b", "--warmup-ratio", "2")]
    public async Task Messages_name_the_flag_not_the_api_property(params string[] args)
    {
        var run = await Cli.RunAsync(args);
        AssertOneLineError(run, 2);
        Assert.Matches("--[a-z-]+ must", run.Stderr);
        Assert.DoesNotMatch("(MaxNewTokens|TopP|TopK|Temperature|RepetitionPenalty|WarmupRatio)", run.Stderr);
    }

    [Fact]
    public async Task Template_help_and_template_error_list_the_same_names()
    {
        var help = await Cli.RunAsync("correct", "--help");
        Assert.Equal(0, help.ExitCode);
        // The option's help text, which the help may wrap over several lines.
        var lines = help.Stdout.Split('\n');
        int start = Array.FindIndex(lines, l => l.TrimStart().StartsWith("--template", StringComparison.Ordinal));
        Assert.True(start >= 0, help.Stdout);
        var text = string.Join(' ', lines.Skip(start).TakeWhile((l, i) => i == 0 || !l.TrimStart().StartsWith('-')));
        var inHelp = Names().Matches(text[text.IndexOf("template:", StringComparison.Ordinal)..]).Select(m => m.Groups[1].Value).ToHashSet();

        var run = await Cli.RunAsync("correct", "-q", "Q?", "-a", "A.", "--template", "v9");
        AssertOneLineError(run, 2);
        var inError = Quoted().Matches(run.Stderr).Select(m => m.Groups[1].Value).Where(n => n != "v9" && !n.Contains(' ', StringComparison.Ordinal)).ToHashSet();
        Assert.Equal(7, inError.Count); // auto and the six built-in templates
        Assert.Equal(inError.Order(), inHelp.Order());
    }

    [Theory]
    [InlineData("correct", "-q", "Q?", "-a", "A.", "--model", "/nonexistent/model")]
    [InlineData("eval", "--data", "samples/data/aligner-demo/test.jsonl", "--model", "/nonexistent/model")]
    [InlineData("export-onnx", "--output", "{tmp}/onnx", "--model", "/nonexistent/model")]
    [InlineData("export-gguf", "--output", "{tmp}/m.gguf", "--model", "/nonexistent/model")]
    [InlineData("train", "--data", "samples/data/aligner-demo/test.jsonl", "--output", "{tmp}/out", "--base", "/nonexistent/model")]
    [InlineData("correct", "-q", "Q?", "-a", "A.", "--model", "{tmp}")]
    public async Task Model_file_errors_exit_3(params string[] args)
    {
        using var dir = new TempFolder();
        var run = await Cli.RunAsync(Resolve(args, dir));
        AssertOneLineError(run, 3);
        Assert.Contains("model error", run.Stderr);
    }

    [Fact]
    public async Task A_load_that_cannot_fit_stops_before_allocating_with_exit_3_and_says_what_would_fit()
    {
        // --quantize auto (the default) already tried int8, so the message must not suggest it; --quantize none does.
        var auto = await Cli.RunAsync("correct", "-q", "Q?", "-a", "A.", "--memory-limit", "1MiB");
        AssertOneLineError(auto, 3);
        Assert.Contains("int8 load does not fit either", auto.Stderr);
        var none = await Cli.RunAsync("correct", "-q", "Q?", "-a", "A.", "--memory-limit", "1MiB", "--quantize", "none");
        AssertOneLineError(none, 3);
        Assert.Contains("--quantize int8", none.Stderr);
    }

    [Theory]
    [InlineData("correct", "--input", "{tmp}/missing.jsonl")]
    [InlineData("eval", "--data", "{tmp}/missing.jsonl")]
    [InlineData("train", "--data", "{tmp}/missing.jsonl", "--output", "{tmp}/out", "--base", "{demo}")]
    public async Task Input_data_errors_exit_4(params string[] args)
    {
        using var dir = new TempFolder();
        var run = await Cli.RunAsync(Resolve(args, dir));
        AssertOneLineError(run, 4);
        Assert.Contains("missing.jsonl", run.Stderr);
    }

    [Theory]
    [InlineData("eval", "--data", "{tmp}/bad.jsonl")]
    [InlineData("train", "--data", "{tmp}/bad.jsonl", "--output", "{tmp}/out", "--base", "{demo}")]
    public async Task Malformed_data_files_name_the_line_without_json_reader_positions(params string[] args)
    {
        using var dir = new TempFolder();
        await File.WriteAllLinesAsync(dir.File("bad.jsonl"), ["""{"question":"a","answer":"b","correction":"c"}""", """{"question": oops}"""]);
        var run = await Cli.RunAsync(Resolve(args, dir));
        AssertOneLineError(run, 4);
        Assert.Contains("bad.jsonl:2: Not valid JSON", run.Stderr);
        Assert.DoesNotContain("LineNumber", run.Stderr);
    }

    [Theory]
    [InlineData("--answer", "correct", "-q", "Q?")]
    [InlineData("--input", "correct", "--input", "x.jsonl", "-q", "Q?", "-a", "A.")]
    [InlineData("--base", "train", "--data", "d.jsonl", "--output", "o")]
    public async Task Meaningless_command_lines_exit_2(string named, params string[] args)
    {
        var run = await Cli.RunAsync(args);
        AssertOneLineError(run, 2);
        Assert.Contains(named, run.Stderr);
    }

    [Fact]
    public async Task A_correction_that_fell_back_exits_5_and_still_prints_the_result()
    {
        // Every character stops generation at once: the corrector returns nothing and the pipeline falls back.
        // (The previous demo corrector: it has no keep marker, so it always writes, and the stops cut every answer.)
        var args = new List<string> { "correct", "--json", "-q", "Which tea is best?", "-a", "Green tea.", "--model", Demo };
        foreach (var c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?'\"-\n")
        {
            args.Add("--stop");
            args.Add(c.ToString());
        }
        var run = await Cli.RunAsync([.. args]);
        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains("\"fallback\": true", run.Stdout);
    }

    private static string[] Resolve(string[] args, TempFolder dir)
    {
        string One(string a)
        {
            var s = a.Replace("{tmp}", dir.Path, StringComparison.Ordinal).Replace("{demo}", Demo, StringComparison.Ordinal);
            return s.StartsWith("samples/", StringComparison.Ordinal) ? Path.Combine(Cli.Root, s) : s;
        }
        return [.. args.Select(One)];
    }

    private static void AssertOneLineError(CliRun run, int code)
    {
        Assert.True(run.ExitCode == code, run.ToString());
        Assert.True(run.Stdout.Length == 0, "stdout must stay empty on errors: " + run);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("aligner: ", StringComparison.Ordinal), "expected one 'aligner:' line on stderr: " + run);
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    [GeneratedRegex(@"\b(auto|v1|v2|instruct|aspects|chatml|chat)\b")]
    private static partial Regex Names();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex Quoted();
}
