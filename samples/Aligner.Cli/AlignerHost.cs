using Aligner.Backends.Onnx;
using Aligner.Backends.Torch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aligner.Cli;

/// <summary>Builds an <see cref="IAligner"/> the way an application would: <c>AddAligner()</c> plus a backend.</summary>
internal static class AlignerHost
{
    /// <summary>The demo corrector shipped with the CLI (copied next to the executable).</summary>
    public static string DefaultModelFolder => Path.Combine(AppContext.BaseDirectory, "models", "aligner-v3");

    public static string ResolveModelFolder(string? model)
    {
        var folder = Path.GetFullPath(model ?? DefaultModelFolder);
        if (!Directory.Exists(folder))
            throw new CliModelException(model is null
                ? $"the shipped demo model is missing at {folder}; pass --model <checkpoint folder>."
                : $"--model '{model}': the folder '{folder}' does not exist.");
        return folder;
    }

    /// <summary>
    /// The gate to use: <c>--gate none</c> → none; <c>--gate &lt;folder&gt;</c> → that folder (it must exist); no flag → the
    /// corrector's own <c>gate/</c> folder when it holds a gate.
    /// </summary>
    public static string? ResolveGateFolder(string? gate, string modelFolder)
    {
        if (string.Equals(gate, "none", StringComparison.OrdinalIgnoreCase)) return null;
        if (gate is null)
        {
            var beside = Path.Combine(modelFolder, "gate");
            return File.Exists(Path.Combine(beside, Aligner.Gating.GateHead.ConfigFileName)) ? beside : null;
        }
        var folder = Path.GetFullPath(gate);
        if (!Directory.Exists(folder)) throw new CliModelException($"--gate '{gate}': the folder '{folder}' does not exist (or pass --gate none).");
        return folder;
    }

    /// <summary>
    /// Applies what the corrector's config.json declares: with <c>aligner_instructions</c> (a corrector trained with one
    /// instruction per kind of problem) the instruct template and those instructions, unless the user chose a template.
    /// </summary>
    public static void ApplyModelDefaults(AlignerOptions options, string modelFolder, string? templateName)
    {
        var configPath = Path.Combine(modelFolder, Aligner.Checkpoints.CheckpointFolder.ConfigFileName);
        var instructions = File.Exists(configPath) ? Aligner.Checkpoints.DecoderConfig.Load(configPath).Instructions : null;
        bool auto = templateName is null or "auto";
        options.Template = auto ? instructions is not null ? CorrectionPromptTemplate.Instruct : CorrectionPromptTemplate.V1 : CorrectionPromptTemplate.FromName(templateName!);
        if (options.Template.UsesInstruction && instructions is not null) options.Instructions = instructions;
    }

    public static ServiceProvider Build(string modelFolder, string backend, int threads, Action<AlignerOptions> configure, ILoggerFactory loggerFactory, TorchSharp.torch.ScalarType? dtype = null, string? gateFolder = null,
        Aligner.Backends.Torch.TorchWeightQuantization quantization = Aligner.Backends.Torch.TorchWeightQuantization.WhenNeeded, long? memoryLimitBytes = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        var aligner = services.AddAligner(configure);
        switch (backend.ToLowerInvariant())
        {
            case "torch":
                aligner.AddTorchBackend(modelFolder, o => { if (threads > 0) o.IntraOpThreads = threads; o.DType = dtype; o.Quantization = quantization; o.MemoryLimitBytes = memoryLimitBytes; });
                break;
            case "onnx":
                aligner.AddOnnxBackend(modelFolder, o => { if (threads > 0) o.IntraOpThreads = threads; });
                break;
            default:
                throw new CliUsageException($"unknown backend '{backend}'; use torch or onnx.");
        }
        if (gateFolder is not null) aligner.AddEmbeddingGate(gateFolder, threads);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
