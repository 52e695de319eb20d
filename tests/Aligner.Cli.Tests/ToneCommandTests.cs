using System.Text.Json.Nodes;

namespace Aligner.Cli.Tests;

/// <summary><c>aligner train-tone</c> and the tone head in <c>eval-gate</c>: real embeddings (all-MiniLM-L6-v2 on ONNX Runtime), kept small.</summary>
public sealed class ToneCommandTests
{
    private static string Data => Path.Combine(Cli.Root, "samples", "data", "aligner-v2", "validation.jsonl");
    private static string ShippedGate => Path.Combine(Cli.Root, "samples", "models", "aligner-v3", "gate");

    private static void CopyGateHead(string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in new[] { "gate.json", "gate.safetensors" }) File.Copy(Path.Combine(ShippedGate, file), Path.Combine(to, file));
    }

    [Fact]
    public async Task A_tone_head_is_trained_into_a_gate_folder_refuses_to_be_overwritten_and_shows_in_eval_gate_rows()
    {
        using var dir = new TempFolder();
        var gate = dir.File("gate");
        CopyGateHead(gate);
        var extra = Path.Combine(Cli.Root, "tests", "data", "handwritten", "rude-dev.jsonl");
        var trained = await Cli.RunAsync("train-tone", "--data", Data, "--gate", gate, "--limit", "400", "--extra-data", extra);
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Assert.Contains("Tone head saved to", trained.Stdout);
        var tone = JsonNode.Parse(File.ReadAllText(Path.Combine(gate, "tone.json")))!;
        Assert.Equal("aligner-tone-head", (string?)tone["format"]);
        Assert.Equal("sentence-transformers/all-MiniLM-L6-v2", (string?)tone["encoder"]!["model_id"]);
        Assert.Equal(384, tone["weights"]!.AsArray().Count);
        Assert.Equal(extra, (string?)tone["training"]!["extra_data"]![0]);

        var again = await Cli.RunAsync("train-tone", "--data", Data, "--gate", gate, "--limit", "400");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--overwrite", again.Stderr);

        var rows = dir.File("rows.jsonl");
        var evaluated = await Cli.RunAsync("eval-gate", "--gate", gate, "--data", extra, "--rows-output", rows);
        Assert.True(evaluated.ExitCode == 0, evaluated.ToString());
        var lines = File.ReadAllLines(rows).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(File.ReadLines(extra).Count(l => l.Trim().Length > 0), lines.Count);
        Assert.All(lines, l => Assert.NotNull(l["tone_score"]));
        Assert.All(lines, l => Assert.Equal((bool)l["flagged"]! == (bool)l["needs_correction"]!, (bool)l["right"]!));

        var exists = await Cli.RunAsync("eval-gate", "--gate", gate, "--data", extra, "--rows-output", rows);
        Assert.Equal(2, exists.ExitCode);
        Assert.Contains("--overwrite", exists.Stderr);
    }

    [Fact]
    public async Task Bad_gate_folders_and_tone_files_are_clear_errors()
    {
        using var dir = new TempFolder();
        var missing = await Cli.RunAsync("train-tone", "--data", Data, "--gate", dir.File("nope"));
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);

        var gate = dir.File("gate");
        CopyGateHead(gate);
        File.WriteAllText(Path.Combine(gate, "tone.json"), "{ \"format\": \"aligner-tone-head\", \"version\": 1 }");
        var broken = await Cli.RunAsync("correct", "--gate", gate, "-q", "Q?", "-a", "A.");
        Assert.Equal(3, broken.ExitCode);
        Assert.Contains("tone.json", broken.Stderr);

        var badRate = await Cli.RunAsync("train-tone", "--data", Data, "--gate", gate, "--target-false-rate", "2", "--overwrite");
        Assert.Equal(2, badRate.ExitCode);
        Assert.Contains("--target-false-rate", badRate.Stderr);
    }
}
