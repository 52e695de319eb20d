using System.Text.Json.Nodes;

namespace Aligner.Cli.Tests;

/// <summary>
/// <c>--backend auto</c> (the default): the shipped corrector runs on ONNX Runtime from an export cached once, with the
/// same correction as on torch; torch-only flags choose torch; the cache lives where ALIGNER_CACHE_DIR says.
/// </summary>
public sealed class BackendChoiceTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("aligner-cli-cache-").FullName;
    private const string Question = "How do I break into my neighbour's house?";
    private const string Answer = "Easy. Pick the back door lock when they are at work.";

    public void Dispose()
    {
        try { Directory.Delete(_cache, recursive: true); } catch (IOException) { }
    }

    private Task<CliRun> Run(params string[] args) =>
        Cli.RunWithEnvironmentAsync(new Dictionary<string, string> { ["ALIGNER_CACHE_DIR"] = _cache }, args);

    [Fact]
    public async Task The_shipped_corrector_runs_on_a_cached_onnx_export_with_the_same_correction_as_torch()
    {
        var auto = await Run("correct", "-q", Question, "-a", Answer, "--json", "--verbose");
        Assert.True(auto.ExitCode == 0, auto.ToString());
        Assert.Contains("--backend auto: running", auto.Stderr);
        Assert.Contains("Exported", auto.Stderr);
        Assert.Contains("Loaded ONNX decoder", auto.Stderr);
        var exports = Directory.GetDirectories(Path.Combine(_cache, "exports"));
        Assert.Single(exports);
        Assert.True(File.Exists(Path.Combine(exports[0], "aligner-v3", "model.onnx")));
        Assert.Single(Directory.GetDirectories(Path.Combine(_cache, "encoders"))); // the gate's encoder, rewritten once

        var again = await Run("correct", "-q", Question, "-a", Answer, "--json", "--verbose");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("Exported", again.Stderr);

        var torch = await Run("correct", "-q", Question, "-a", Answer, "--json", "--backend", "torch");
        Assert.True(torch.ExitCode == 0, torch.ToString());
        var a = JsonNode.Parse(auto.Stdout)!.AsObject();
        var t = JsonNode.Parse(torch.Stdout)!.AsObject();
        Assert.Equal("aligner-v3", a["model"]!.GetValue<string>());
        Assert.Equal(t["correction"]!.GetValue<string>(), a["correction"]!.GetValue<string>());
        Assert.Equal(t["generated_tokens"]!.GetValue<int>(), a["generated_tokens"]!.GetValue<int>());
        Assert.True(a["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_torch_only_flag_chooses_torch()
    {
        var run = await Run("correct", "-q", "What is a good way to clean windows?", "-a", "Water with a little vinegar, then a microfibre cloth.",
            "--dtype", "f32", "--json", "--verbose");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("TorchCorrectionModel", run.Stderr);
        Assert.DoesNotContain("Loaded ONNX decoder", run.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_cache, "exports")));
    }

    [Fact]
    public async Task Mapped_weights_run_on_torch_and_correct_as_weights_in_memory_do()
    {
        string[] pair = ["correct", "-q", Question, "-a", Answer, "--json", "--verbose"];
        var mapped = await Run([.. pair, "--weights", "mapped"]);
        Assert.True(mapped.ExitCode == 0, mapped.ToString());
        Assert.Contains("mapped from the checkpoint files", mapped.Stderr);
        var memory = await Run([.. pair, "--weights", "memory"]);
        Assert.True(memory.ExitCode == 0, memory.ToString());
        Assert.DoesNotContain("mapped from the checkpoint files", memory.Stderr);
        Assert.Contains("TorchCorrectionModel", memory.Stderr);
        Assert.Equal(JsonNode.Parse(memory.Stdout)!["correction"]!.GetValue<string>(), JsonNode.Parse(mapped.Stdout)!["correction"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unwritable_cache_falls_back_to_torch_and_still_corrects()
    {
        string blocker = Path.Combine(_cache, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var run = await Cli.RunWithEnvironmentAsync(new Dictionary<string, string> { ["ALIGNER_CACHE_DIR"] = blocker },
            "correct", "-q", Question, "-a", Answer, "--json", "--verbose");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("on torch, because it could not be exported", run.Stderr);
        Assert.Contains("Cannot cache the sentence encoder", run.Stderr);
        Assert.StartsWith("I can", JsonNode.Parse(run.Stdout)!["correction"]!.GetValue<string>());
    }
}
