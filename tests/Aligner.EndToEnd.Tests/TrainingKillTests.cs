using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aligner.Checkpoints;

namespace Aligner.EndToEnd.Tests;

/// <summary>
/// A training run of the CLI is killed at several points (while it writes checkpoints every step): the latest
/// checkpoint always loads, nothing half-written is left in the output, and rerunning the same command resumes to
/// the final loss of an uninterrupted run (within 1e-4).
/// </summary>
public sealed partial class TrainingKillTests
{
    [Fact]
    public async Task Killed_training_resumes_to_the_uninterrupted_result()
    {
        var work = Directory.CreateTempSubdirectory("aligner-kill-").FullName;
        try
        {
            var data = Path.Combine(work, "train.jsonl");
            var lines = File.ReadLines(Path.Combine(RepositoryPaths.Root, "samples", "data", "aligner-demo", "train.jsonl")).Take(24).ToList();
            await File.WriteAllLinesAsync(data, lines);
            var validation = Path.Combine(work, "validation.jsonl");
            await File.WriteAllLinesAsync(validation, lines.Take(4));
            var config = Path.Combine(work, "config.json");
            DecoderConfig.Create("llama", 32, 64, 2, 4, 2, 50257).Save(config);

            string[] Args(string output) =>
            [
                "train", "--data", data, "--validation", validation, "--config", config, "--output", output,
                "--epochs", "1", "--batch-size", "1", "--grad-accum", "1", "--lr", "1e-3", "--max-length", "160",
                "--seed", "5", "--validate-every", "1000", "--checkpoint-every", "1",
            ];

            var uninterrupted = await RunToEnd(Args(Path.Combine(work, "a")));

            // 24 steps: the last kill (after step 8) leaves 16 steps, each writing a checkpoint, so the run cannot finish
            // before the test has read the step's line and killed it (with 12 steps a run resumed at step 5 once did,
            // on a busy CI machine).
            var output = Path.Combine(work, "b");
            foreach (int killAt in new[] { 2, 5, 8 })
            {
                await RunAndKillAfterStep(Args(output), killAt);
                Assert.False(Directory.Exists(output), "the output folder appeared before training finished");
                var latest = Directory.GetDirectories(output + ".checkpoints", "step-*").Order(StringComparer.Ordinal).Last();
                using (var weights = SafeTensorsFile.Open(Path.Combine(latest, "weights.safetensors")))
                    Assert.NotEmpty(weights.Tensors);
                Assert.NotNull(JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(latest, "trainer_state.json"))));
            }
            var resumed = await RunToEnd(Args(output));
            Assert.True(Math.Abs(uninterrupted - resumed) <= 1e-4, $"uninterrupted {uninterrupted}, resumed {resumed}");
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    private static ProcessStartInfo Start(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RepositoryPaths.CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    private static async Task<double> RunToEnd(string[] args)
    {
        using var process = Process.Start(Start(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        var match = FinalLoss().Match(await stdout);
        Assert.True(match.Success, await stdout);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task RunAndKillAfterStep(string[] args, int step)
    {
        using var process = Process.Start(Start(args))!;
        _ = process.StandardError.ReadToEndAsync();
        // At this step or any later one: a kill lands a few steps late on a busy machine, so the next run may resume
        // past the next kill's step and never print it (it then ran to the end and the test failed).
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (StepLine().Match(line) is { Success: true } m && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= step) break;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    [GeneratedRegex(@"train loss ([0-9.]+)")]
    private static partial Regex FinalLoss();

    [GeneratedRegex(@"\bstep (\d+)/")]
    private static partial Regex StepLine();
}
