using System.CommandLine;
using Aligner.Benchmarks.Harness;

namespace Aligner.Cli.Commands;

/// <summary><c>aligner bench</c>: the side-by-side harness (Torch, ONNX, llama.cpp f32/f16 and the machine's limits, in one run).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A checkpoint folder, llama-135m (random weights, built on first use) or aligner-demo.", DefaultValueFactory = _ => "llama-135m" };
        var threads = new Option<int>("--threads") { Description = "CPU threads for every backend.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string>("--out", "-o") { Description = "Folder for the Markdown table and the PNG chart.", DefaultValueFactory = _ => "bench-results" };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions per measurement (the best is kept).", DefaultValueFactory = _ => 3 };
        var noTraining = new Option<bool>("--no-training") { Description = "Skip the SFT training throughput measurement." };
        var noLimits = new Option<bool>("--no-limits") { Description = "Skip measuring memory bandwidth and GEMM peak." };
        var command = new Command("bench", "Measure prefill, decode and training speed of every backend side by side with llama.cpp and the machine's limits.")
        {
            model, threads, output, repeats, noTraining, noLimits,
        };
        command.SetGuardedAction(async (r, _, ct) =>
        {
            var options = new HarnessOptions
            {
                Model = r.GetValue(model)!,
                Threads = r.GetValue(threads),
                OutputFolder = r.GetValue(output)!,
                Repeats = r.GetValue(repeats),
                MeasureTraining = !r.GetValue(noTraining),
                MeasureLimits = !r.GetValue(noLimits),
            };
            var report = await new SideBySideHarness().RunAsync(options, Console.Out, ct);
            return report.Backends.All(b => b.Succeeded) ? ExitCodes.Success : ExitCodes.Unexpected;
        });
        return command;
    }
}
