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
}
