using System.Text;
using Aligner.Checkpoints;

namespace Aligner.Cli.Tests;

/// <summary>
/// One overwrite rule for every command that writes: an existing non-empty target is refused (exit 2, untouched)
/// unless --overwrite, which replaces only what the command writes, through a temporary sibling, keeping other files.
/// </summary>
public sealed class OverwriteTests
{
    private static readonly string Demo = Path.Combine(Cli.Root, "samples", "models", "aligner-demo");

    [Fact]
    public async Task Export_gguf_refuses_an_existing_file_and_replaces_it_with_overwrite()
    {
        using var dir = new TempFolder();
        var target = dir.File("model.gguf");
        await File.WriteAllTextAsync(target, "keep me");

        var refused = await Cli.RunAsync("export-gguf", "--output", target);
        AssertRefused(refused);
        Assert.Equal("keep me", await File.ReadAllTextAsync(target));

        var replaced = await Cli.RunAsync("export-gguf", "--output", target, "--overwrite", "--dtype", "f16");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal("GGUF", Encoding.ASCII.GetString(File.ReadAllBytes(target), 0, 4));
        Assert.Equal(["model.gguf"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName)); // no temporary file left
    }

    [Fact]
    public async Task Export_onnx_refuses_a_non_empty_folder_and_with_overwrite_replaces_only_its_own_files()
    {
        using var dir = new TempFolder();
        var target = Path.Combine(dir.Path, "onnx");
        Directory.CreateDirectory(target);
        await File.WriteAllTextAsync(Path.Combine(target, "notes.txt"), "mine");
        await File.WriteAllTextAsync(Path.Combine(target, "model.onnx"), "an old export");
        await File.WriteAllTextAsync(Path.Combine(target, "model.onnx.data"), "weights of the old export");

        var refused = await Cli.RunAsync("export-onnx", "--output", target);
        AssertRefused(refused);
        Assert.Equal("an old export", await File.ReadAllTextAsync(Path.Combine(target, "model.onnx")));

        var replaced = await Cli.RunAsync("export-onnx", "--output", target, "--overwrite");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(target, "notes.txt")));
        Assert.True(new FileInfo(Path.Combine(target, "model.onnx")).Length > 1000);
        Assert.True(File.Exists(Path.Combine(target, "genai_config.json")));
        // The old export's external weights are not mixed with the new model.
        Assert.False(File.Exists(Path.Combine(target, "model.onnx.data")) && File.ReadAllText(Path.Combine(target, "model.onnx.data")) == "weights of the old export");
        Assert.Equal(["onnx"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName)); // no temporary folder left

        // The export is usable: correct with it through the ONNX backend.
        var run = await Cli.RunAsync("correct", "--backend", "onnx", "--model", target, "-q", "What is 2 + 2?", "-a", "4.", "--max-new-tokens", "8", "--json");
        Assert.True(run.ExitCode is 0 or 5, run.ToString());
    }

    [Fact]
    public async Task Export_onnx_into_an_empty_folder_needs_no_overwrite()
    {
        using var dir = new TempFolder();
        var target = Path.Combine(dir.Path, "onnx");
        Directory.CreateDirectory(target);
        var run = await Cli.RunAsync("export-onnx", "--output", target, "--dtype", "f16");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(target, "model.onnx")));
    }

    [Fact]
    public async Task Export_onnx_writes_group_query_attention_by_default_and_a_portable_graph_on_request_and_both_run_the_main_job()
    {
        using var dir = new TempFolder();
        foreach (var (operators, marker) in new[] { ("onnxruntime", "GroupQueryAttention"), ("portable", "position_ids") })
        {
            var target = Path.Combine(dir.Path, operators);
            string[] args = operators == "onnxruntime" ? ["export-onnx", "--output", target] : ["export-onnx", "--output", target, "--operators", operators];
            var export = await Cli.RunAsync(args);
            Assert.True(export.ExitCode == 0, export.ToString());
            Assert.Contains(marker, System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(target, "model.onnx"))));
            var run = await Cli.RunAsync("correct", "--backend", "onnx", "--model", target, "--gate", "none", "--json", "--max-new-tokens", "8", "-q", "Which tea is best?", "-a", "Green tea.");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("\"fallback\": false", run.Stdout);
        }
        var refused = await Cli.RunAsync("export-onnx", "--output", Path.Combine(dir.Path, "x"), "--operators", "tensorrt");
        Assert.Equal(2, refused.ExitCode);
    }

    [Fact]
    public async Task Export_onnx_with_int8_projections_runs_the_main_job()
    {
        using var dir = new TempFolder();
        var target = Path.Combine(dir.Path, "onnx-int8");
        var export = await Cli.RunAsync("export-onnx", "--output", target, "--quantize", "int8");
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Contains("MatMulNBits", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(target, "model.onnx"))));
        var run = await Cli.RunAsync("correct", "--backend", "onnx", "--model", target, "--gate", "none", "--json", "--max-new-tokens", "8", "-q", "Which tea is best?", "-a", "Green tea.");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("\"fallback\": false", run.Stdout);
    }

    [Fact]
    public async Task Train_refuses_a_non_empty_folder_and_with_overwrite_keeps_unrelated_files()
    {
        using var dir = new TempFolder();
        var data = dir.File("train.jsonl");
        await File.WriteAllLinesAsync(data, File.ReadLines(Path.Combine(Cli.Root, "samples", "data", "aligner-demo", "train.jsonl")).Take(8));
        var config = dir.File("config.json");
        DecoderConfig.Create("llama", 16, 32, 1, 2, 1, 50257).Save(config);
        var output = Path.Combine(dir.Path, "out");
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "README.md"), "my notes");
        await File.WriteAllTextAsync(Path.Combine(output, "model-00002-of-00002.safetensors"), "a shard of an older model");
        string[] args = ["train", "--data", data, "--validation", data, "--config", config, "--output", output, "--epochs", "1",
            "--batch-size", "4", "--grad-accum", "1", "--lr", "1e-3", "--max-length", "96", "--validate-every", "1000"];

        var refused = await Cli.RunAsync(args);
        AssertRefused(refused);

        var trained = await Cli.RunAsync([.. args, "--overwrite"]);
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Assert.Equal("my notes", await File.ReadAllTextAsync(Path.Combine(output, "README.md")));
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(output, "model-00002-of-00002.safetensors")), "a stale shard was mixed into the new checkpoint");
        Assert.DoesNotContain(Directory.GetFileSystemEntries(dir.Path), p => Path.GetFileName(p).StartsWith('.'));
    }

    [Fact]
    public async Task Correct_with_an_output_file_refuses_an_existing_file_unless_overwrite()
    {
        using var dir = new TempFolder();
        var target = dir.File("one.jsonl");
        await File.WriteAllTextAsync(target, "keep me");
        var refused = await Cli.RunAsync("correct", "-q", "What is 2 + 2?", "-a", "4.", "--output", target, "--max-new-tokens", "8");
        AssertRefused(refused);
        Assert.Equal("keep me", await File.ReadAllTextAsync(target));
        var replaced = await Cli.RunAsync("correct", "-q", "What is 2 + 2?", "-a", "4.", "--output", target, "--max-new-tokens", "8", "--overwrite");
        Assert.True(replaced.ExitCode is 0 or 5, replaced.ToString());
        Assert.Contains("\"question\":\"What is 2 + 2?\"", await File.ReadAllTextAsync(target));
    }

    private static void AssertRefused(CliRun run)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--overwrite", Assert.Single(run.MessageLines));
    }
}
