using System.CommandLine;

namespace Aligner.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show debug logs and full stack traces on errors.",
        Recursive = true,
    };

    public static Option<string?> Model() => new("--model", "-m")
    {
        Description = "Checkpoint folder (Hugging Face layout) or ONNX export folder. Default: the shipped demo corrector.",
    };

    public static Option<string> Backend() => new("--backend", "-b")
    {
        Description = "Inference backend: torch or onnx.",
        DefaultValueFactory = _ => "torch",
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "CPU threads for the backend (0 = all cores).",
        DefaultValueFactory = _ => 0,
    };

    public static Option<string> DType() => new("--dtype")
    {
        Description = "Torch weight type: auto (default: a 16-bit checkpoint stays 16-bit where the CPU has native bf16/f16 or float32 would not fit in memory), f32, bf16 or f16.",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>Parses <c>--dtype</c>: <see langword="null"/> for auto.</summary>
    public static TorchSharp.torch.ScalarType? ParseDType(string? value) => value?.ToLowerInvariant() switch
    {
        null or "auto" => null,
        "f32" or "float32" => TorchSharp.torch.ScalarType.Float32,
        "bf16" or "bfloat16" => TorchSharp.torch.ScalarType.BFloat16,
        "f16" or "float16" => TorchSharp.torch.ScalarType.Float16,
        _ => throw new CliUsageException($"unknown --dtype '{value}'; use auto, f32, bf16 or f16."),
    };
}
