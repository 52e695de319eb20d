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

    /// <summary>Checkpoints up to this many bytes of weights run on ONNX Runtime under <c>--backend auto</c>.</summary>
    public const long AutoOnnxMaxWeightBytes = 64L << 20;

    /// <summary>
    /// The backend and the folder it loads. <c>torch</c> and <c>onnx</c> are taken as given. <c>auto</c>: an ONNX export
    /// folder runs on onnx; a small checkpoint (≤ <see cref="AutoOnnxMaxWeightBytes"/> of weights) runs on onnx from an
    /// export cached once (<see cref="OnnxExportCache"/>): libtorch's start costs more than such a model's whole
    /// correction; everything else, and anything a torch-only flag asks for, runs on torch. An export that fails (a
    /// model the exporter does not support, a damaged file, a cache that cannot be written) falls back to torch, which
    /// reports a damaged file in its own words.
    /// </summary>
    public static (string Backend, string Folder) ResolveBackend(string requested, string modelFolder, bool torchOnlyFlags, ILogger logger)
    {
        string backend = requested.ToLowerInvariant();
        if (backend != "auto") return (backend, modelFolder);
        if (File.Exists(Path.Combine(modelFolder, "model.onnx"))) return ("onnx", modelFolder);
        if (torchOnlyFlags) return ("torch", modelFolder);
        long weightBytes = OnnxExportCache.WeightBytes(modelFolder);
        if (weightBytes == 0 || weightBytes > AutoOnnxMaxWeightBytes) return ("torch", modelFolder);
        foreach (var operators in new[] { OnnxOperators.OnnxRuntime, OnnxOperators.Portable })
        {
            try
            {
                var export = OnnxExportCache.GetOrExport(modelFolder, new OnnxExportOptions { Operators = operators, ExternalData = true }, logger: logger);
                logger.LogDebug("--backend auto: running {Folder} on ONNX Runtime from the cached export {Export}.", modelFolder, export);
                return ("onnx", export);
            }
            catch (NotSupportedModelException e) when (operators == OnnxOperators.OnnxRuntime)
            {
                logger.LogDebug("--backend auto: the ONNX Runtime operator export does not fit {Folder} ({Reason}); trying the portable one.", modelFolder, e.Message);
            }
            catch (Exception e) when (e is ModelFormatException or NotSupportedModelException or IOException or UnauthorizedAccessException)
            {
                logger.LogDebug("--backend auto: running {Folder} on torch, because it could not be exported to ONNX ({Reason}).", modelFolder, e.Message);
                break;
            }
        }
        return ("torch", modelFolder);
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
    /// instruction per kind of problem) the instruct template and those instructions, unless the user chose a template;
    /// with a keep marker the keep veto; with a gate the topic check.
    /// </summary>
    public static void ApplyModelDefaults(AlignerOptions options, string modelFolder, string? templateName, string? gateFolder)
    {
        var configPath = Path.Combine(modelFolder, Aligner.Checkpoints.CheckpointFolder.ConfigFileName);
        var config = File.Exists(configPath) ? Aligner.Checkpoints.DecoderConfig.Load(configPath) : null;
        var instructions = config?.Instructions;
        // A corrector with a keep marker may still keep an answer the gate flagged when it is sure (see GateKeepVeto).
        if (config?.KeepToken is not null) options.GateKeepVeto = 0.85;
        // A correction of a dismissive answer that is not about the question is worse than the answer: the original
        // comes back as a fallback (the gate's encoder compares them; without a gate there is no encoder and no check).
        if (gateFolder is not null) options.TopicCheck = new TopicCheck();
        bool auto = templateName is null or "auto";
        options.Template = auto ? instructions is not null ? CorrectionPromptTemplate.Instruct : CorrectionPromptTemplate.V1 : CorrectionPromptTemplate.FromName(templateName!);
        if (options.Template.UsesInstruction && instructions is not null) options.Instructions = instructions;
    }

    public static ServiceProvider Build(string modelFolder, string backend, int threads, Action<AlignerOptions> configure, ILoggerFactory loggerFactory, TorchSharp.torch.ScalarType? dtype = null, string? gateFolder = null,
        Aligner.Backends.Torch.TorchWeightQuantization quantization = Aligner.Backends.Torch.TorchWeightQuantization.WhenNeeded, long? memoryLimitBytes = null,
        Aligner.Backends.Torch.TorchWeightStorage weightStorage = Aligner.Backends.Torch.TorchWeightStorage.Auto, bool safetyRules = true)
    {
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        var aligner = services.AddAligner(configure);
        switch (backend.ToLowerInvariant())
        {
            case "torch":
                aligner.AddTorchBackend(modelFolder, o => { if (threads > 0) o.IntraOpThreads = threads; o.DType = dtype; o.Quantization = quantization; o.MemoryLimitBytes = memoryLimitBytes; o.WeightStorage = weightStorage; });
                break;
            case "onnx":
                aligner.AddOnnxBackend(modelFolder, o => { if (threads > 0) o.IntraOpThreads = threads; });
                break;
            default:
                throw new CliUsageException($"unknown backend '{backend}'; use torch or onnx.");
        }
        // One-shot commands: ONNX Runtime's weight pre-packing costs ~0.2 s at load and saves ~2 ms per single embedding
        // (batched embeddings are as fast either way), so it is off here; 'serve' keeps it.
        if (gateFolder is not null)
        {
            aligner.AddEmbeddingGate(gateFolder, o => { o.IntraOpThreads = threads; o.PrepackWeights = false; });
            if (safetyRules) aligner.UseSafetyRules();
        }
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
