using System.Text.Json.Nodes;

namespace Aligner.Cli.Tests;

/// <summary><c>aligner train-gate</c>, <c>eval-gate</c> and <c>--gate</c>: a real gate trained on real embeddings (all-MiniLM-L6-v2 on ONNX Runtime), kept small.</summary>
public sealed class GateCommandTests
{
    private static string Data => Path.Combine(Cli.Root, "samples", "data", "aligner-v2", "validation.jsonl");

    [Fact]
    public async Task A_trained_gate_is_saved_refuses_to_be_overwritten_and_guards_the_corrector()
    {
        using var dir = new TempFolder();
        var gate = dir.File("gate");
        var trained = await Cli.RunAsync("train-gate", "--data", Data, "--output", gate, "--limit", "300", "--hidden", "0", "--epochs", "5");
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Assert.True(File.Exists(Path.Combine(gate, "gate.json")) && File.Exists(Path.Combine(gate, "gate.safetensors")));
        Assert.Contains("Gate saved to", trained.Stdout);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(gate, "gate.json")))!;
        Assert.Equal("sentence-transformers/all-MiniLM-L6-v2", (string?)config["encoder"]!["model_id"]);

        var again = await Cli.RunAsync("train-gate", "--data", Data, "--output", gate, "--limit", "300", "--hidden", "0", "--epochs", "5");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--overwrite", again.Stderr);

        var evaluated = await Cli.RunAsync("eval-gate", "--gate", gate, "--data", Path.Combine(Cli.Root, "tests", "data", "handwritten", "dev.jsonl"));
        Assert.True(evaluated.ExitCode == 0, evaluated.ToString());
        Assert.Contains("answers that need no correction", evaluated.Stdout);

        var corrected = await Cli.RunAsync("correct", "--json", "--gate", gate, "--max-new-tokens", "8", "-q", "What is the capital of France?", "-a", "Paris.");
        Assert.True(corrected.ExitCode == 0, corrected.ToString());
        var json = JsonNode.Parse(corrected.Stdout)!;
        Assert.NotNull(json["gate"]);
        Assert.Contains((string?)json["gate"]!["decision"], new[] { "keep", "correct" });

        var without = await Cli.RunAsync("correct", "--json", "--gate", "none", "--max-new-tokens", "8", "-q", "What is the capital of France?", "-a", "Paris.");
        Assert.True(without.ExitCode == 0, without.ToString());
        Assert.Null(JsonNode.Parse(without.Stdout)!["gate"]);
    }

    [Fact]
    public async Task Extra_rows_are_added_in_full_after_the_sample_and_repeated()
    {
        using var dir = new TempFolder();
        var extra = Path.Combine(Cli.Root, "samples", "data", "gate-extra", "train.jsonl");
        int extraRows = File.ReadLines(extra).Count(l => l.Trim().Length > 0);
        var plain = await Cli.RunAsync("train-gate", "--data", Data, "--output", dir.File("plain"), "--limit", "60", "--hidden", "0", "--epochs", "1",
            "--validation", Data);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        var withExtra = await Cli.RunAsync("train-gate", "--data", Data, "--output", dir.File("extra"), "--limit", "60", "--hidden", "0", "--epochs", "1",
            "--validation", Data, "--extra-data", extra, "--extra-repeat", "2");
        Assert.True(withExtra.ExitCode == 0, withExtra.ToString());
        int Rows(string gate) => (int)JsonNode.Parse(File.ReadAllText(Path.Combine(gate, "gate.json")))!["training"]!["training_rows"]!;
        // Every extra row twice, plus the harmful ones again with other answers (the trainer's augmentation).
        Assert.True(Rows(dir.File("extra")) >= Rows(dir.File("plain")) + 2 * extraRows, $"{Rows(dir.File("extra"))} rows with extras, {Rows(dir.File("plain"))} without");

        var missing = await Cli.RunAsync("train-gate", "--data", Data, "--output", dir.File("x"), "--extra-data", dir.File("nope.jsonl"));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("nope.jsonl", missing.Stderr);
    }

    [Fact]
    public async Task A_missing_or_broken_gate_is_a_model_error_naming_the_file()
    {
        using var dir = new TempFolder();
        var missing = await Cli.RunAsync("correct", "--gate", dir.File("nope"), "-q", "Q?", "-a", "A.");
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("--gate", missing.Stderr);

        Directory.CreateDirectory(dir.File("broken"));
        File.WriteAllText(Path.Combine(dir.File("broken"), "gate.json"), "{ not json");
        File.WriteAllBytes(Path.Combine(dir.File("broken"), "gate.safetensors"), [1, 2, 3]);
        var broken = await Cli.RunAsync("correct", "--gate", dir.File("broken"), "-q", "Q?", "-a", "A.");
        Assert.Equal(3, broken.ExitCode);
        Assert.Contains("gate.json", broken.Stderr);
    }
}
