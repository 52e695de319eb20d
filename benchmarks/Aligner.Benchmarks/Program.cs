using Aligner.Benchmarks.Harness;
using Aligner.Benchmarks.Measurement;
using BenchmarkDotNet.Running;

namespace Aligner.Benchmarks;

/// <summary>
/// <c>side-by-side [--model M] [--threads N] [--out DIR] [--backends torch,torch-bf16,torch-int8,onnx,onnx-int8,onnx-portable,llama-f32,llama-f16,llama-q8_0,llama-bf16] [--repeats N] [--steps N] [--batch N] [--no-limits] [--no-training] [--in-process] [--co-tenant N]</c>
/// runs the side-by-side harness (each timing in a child process, <c>side-by-side-child</c>, unless <c>--in-process</c>;
/// <c>--co-tenant N</c> keeps N threads of another process busy meanwhile);
/// <c>concurrency ...</c> the concurrency benchmark (<see cref="ConcurrencyBenchmark"/>);
/// <c>gate-stream ...</c> the pipeline's throughput with and without the gate (<see cref="GateStreamBenchmark"/>);
/// any other arguments go to BenchmarkDotNet (e.g. <c>--filter * --job short</c>).
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "concurrency")
        {
            try { return await ConcurrencyBenchmark.RunAsync(args[1..], Console.Out); }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        }
        if (args.Length > 0 && args[0] == "gate-stream")
        {
            try { return await GateStreamBenchmark.RunAsync(args[1..], Console.Out); }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        }
        if (args.Length == 2 && args[0] == IsolatedRun.BusyCommand && int.TryParse(args[1], out int busy))
            return IsolatedRun.BusyMain(busy);
        if (args.Length > 0 && args[0] == IsolatedRun.ChildCommand)
        {
            try { return IsolatedRun.ChildMain(ParseHarnessOptions(args[1..]), Console.Out); }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{e.GetType().Name}: {e.Message}");
                return 1;
            }
        }
        if (args.Length == 0 || args[0] != "side-by-side")
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }
        HarnessOptions options;
        try { options = ParseHarnessOptions(args[1..]); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var report = await new SideBySideHarness().RunAsync(options, Console.Out, cancel.Token);
        return report.Backends.All(b => b.Succeeded) ? 0 : 1;
    }

    private static HarnessOptions ParseHarnessOptions(string[] args)
    {
        var options = new HarnessOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => int.TryParse(Value(), out int n) ? n : throw new ArgumentException($"{args[i - 1]} needs a number.");
            options = args[i] switch
            {
                "--model" => options with { Model = Value() },
                "--threads" => options with { Threads = Number() },
                "--out" => options with { OutputFolder = Value() },
                "--repeats" => options with { Repeats = Number() },
                "--steps" => options with { DecodeSteps = Number() },
                "--batch" => options with { BatchSize = Number() },
                "--no-limits" => options with { MeasureLimits = false },
                "--no-training" => options with { MeasureTraining = false },
                "--training-only" => options with { TrainingOnly = true },
                "--training-repeats" => options with { TrainingRepeats = Number() },
                "--in-process" => options with { Isolated = false },
                "--co-tenant" => options with { CoTenantThreads = Number() },
                "--prefill" => options with { PrefillLength = Number() },
                "--prompt" => options with { DecodePromptLength = Number() },
                "--backends" => options with { Backends = [.. Value().Split(',').Select(ParseBackend)] },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }
        options.Validate();
        return options;
    }

    /// <summary>The command-line name of a backend (the inverse of <see cref="ParseBackend"/>).</summary>
    internal static string BackendName(BenchmarkBackend backend) => backend switch
    {
        BenchmarkBackend.Torch => "torch",
        BenchmarkBackend.TorchBf16 => "torch-bf16",
        BenchmarkBackend.TorchInt8 => "torch-int8",
        BenchmarkBackend.Onnx => "onnx",
        BenchmarkBackend.OnnxInt8 => "onnx-int8",
        BenchmarkBackend.OnnxPortable => "onnx-portable",
        BenchmarkBackend.LlamaCppF32 => "llama-f32",
        BenchmarkBackend.LlamaCppF16 => "llama-f16",
        BenchmarkBackend.LlamaCppQ8_0 => "llama-q8_0",
        BenchmarkBackend.LlamaCppBf16 => "llama-bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, null),
    };

    private static BenchmarkBackend ParseBackend(string name) => name.Trim().ToLowerInvariant() switch
    {
        "torch" => BenchmarkBackend.Torch,
        "torch-bf16" => BenchmarkBackend.TorchBf16,
        "torch-int8" => BenchmarkBackend.TorchInt8,
        "onnx" => BenchmarkBackend.Onnx,
        "llama-f32" or "llamacpp-f32" => BenchmarkBackend.LlamaCppF32,
        "llama-f16" or "llamacpp-f16" => BenchmarkBackend.LlamaCppF16,
        "onnx-int8" => BenchmarkBackend.OnnxInt8,
        "onnx-portable" => BenchmarkBackend.OnnxPortable,
        "llama-q8_0" or "llamacpp-q8_0" => BenchmarkBackend.LlamaCppQ8_0,
        "llama-bf16" or "llamacpp-bf16" => BenchmarkBackend.LlamaCppBf16,
        _ => throw new ArgumentException($"Unknown backend '{name}' (torch, torch-bf16, torch-int8, onnx, onnx-int8, onnx-portable, llama-f32, llama-f16, llama-q8_0, llama-bf16)."),
    };
}
