using System.Security.Cryptography;
using System.Text;
using Aligner.Backends.Onnx;
using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Gguf;

namespace Aligner.Benchmarks.Models;

/// <summary>
/// The models benchmarked: a Llama of about 135M parameters with random weights (SmolLM-135M's shape: hidden 576,
/// 30 layers, 9 query and 3 key/value heads, MLP 1536, vocabulary 49152, tied embeddings), built on first use, and
/// the shipped default corrector when its folder exists. Exports (ONNX, GGUF f32/f16) are cached beside each model.
/// </summary>
public static class BenchmarkModels
{
    /// <summary>The name of the random 135M Llama.</summary>
    public const string Llama135M = "llama-135m";

    /// <summary>The name of the shipped default corrector.</summary>
    public const string DefaultModel = "aligner-demo";

    /// <summary>The 135M model's architecture.</summary>
    public static DecoderConfig Llama135MConfig { get; } = DecoderConfig.Create("llama", 576, 1536, 30, 9, 3, 49152) with
    {
        TieWordEmbeddings = true, RmsNormEps = 1e-5, RopeTheta = 10000, MaxPositionEmbeddings = 2048, EosTokenIds = [49151], BosTokenId = 49151,
    };

    /// <summary>Where models and exports are cached (<c>ALIGNER_BENCH_CACHE</c>, else a folder under the system temp folder).</summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("ALIGNER_BENCH_CACHE") is { Length: > 0 } root ? root : Path.Combine(Path.GetTempPath(), "aligner-bench");

    /// <summary>The model names available on this machine: the 135M model always, the default corrector when shipped.</summary>
    public static IReadOnlyList<string> Available() => FindDefaultModel() is null ? [Llama135M] : [Llama135M, DefaultModel];

    /// <summary>The checkpoint folder of <paramref name="name"/>, building the random model if needed.</summary>
    public static string Resolve(string name, TextWriter? log = null) => name switch
    {
        Llama135M => EnsureLlama135M(log),
        DefaultModel => FindDefaultModel() ?? throw new DirectoryNotFoundException("samples/models/aligner-demo was not found above the working or program folder."),
        _ when Directory.Exists(name) => Path.GetFullPath(name),
        _ => throw new ArgumentException($"Unknown model '{name}': use {Llama135M}, {DefaultModel} or a checkpoint folder.", nameof(name)),
    };

    /// <summary>Builds (once) the random 135M Llama checkpoint and its tokenizer.</summary>
    public static string EnsureLlama135M(TextWriter? log = null)
    {
        var folder = Path.Combine(CacheRoot, Llama135M);
        if (!File.Exists(Path.Combine(folder, SyntheticByteLevelTokenizer.ConfigFileName)))
        {
            Directory.CreateDirectory(folder);
            SyntheticByteLevelTokenizer.Write(folder, Llama135MConfig.VocabSize);
        }
        if (File.Exists(Path.Combine(folder, CheckpointWeights.SingleFileName))) return folder;
        log?.WriteLine($"Building the random {Llama135M} checkpoint in {folder}...");
        TorchRuntime.EnsureInitialized();
        using var model = CausalLanguageModel.CreateRandom(Llama135MConfig, seed: 135);
        model.SaveCheckpoint(folder);
        return folder;
    }

    /// <summary>The shipped default corrector's folder (<c>samples/models/aligner-demo</c>) above the working or program folder, or <see langword="null"/>.</summary>
    public static string? FindDefaultModel()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "samples", "models", DefaultModel);
                if (File.Exists(Path.Combine(candidate, CheckpointFolder.ConfigFileName))) return candidate;
            }
        return null;
    }

    /// <summary>The GGUF export of a checkpoint (cached under <see cref="CacheRoot"/>).</summary>
    public static string EnsureGguf(string checkpointFolder, GgufTensorType type, TextWriter? log = null)
    {
        var path = Path.Combine(ExportFolder(checkpointFolder), $"model-{type.ToString().ToLowerInvariant()}.gguf");
        if (IsFresh(path, checkpointFolder)) return path;
        log?.WriteLine($"Exporting {checkpointFolder} to GGUF {type}...");
        GgufExporter.Export(checkpointFolder, path, new GgufExportOptions { WeightType = type });
        return path;
    }

    /// <summary>The ONNX export (f32, or with <c>MatMulNBits</c> projections of <paramref name="linearWeightBits"/>) of a checkpoint, cached; returns the export folder (model.onnx and tokenizer files).</summary>
    public static string EnsureOnnx(string checkpointFolder, TextWriter? log = null, int? linearWeightBits = null, OnnxOperators operators = OnnxOperators.OnnxRuntime)
    {
        string name = (linearWeightBits is { } bits ? $"onnx-int{bits}" : "onnx") + (operators == OnnxOperators.Portable ? "-portable" : "-contrib");
        var folder = Path.Combine(ExportFolder(checkpointFolder), name);
        if (IsFresh(Path.Combine(folder, "model.onnx"), checkpointFolder)) return folder;
        log?.WriteLine($"Exporting {checkpointFolder} to ONNX ({operators}{(linearWeightBits is { } b ? $", int{b} projections" : "")})...");
        OnnxExporter.Export(checkpointFolder, folder, new OnnxExportOptions { LinearWeightBits = linearWeightBits, Operators = operators });
        return folder;
    }

    private static string ExportFolder(string checkpointFolder)
    {
        var full = Path.GetFullPath(checkpointFolder);
        var folder = Path.Combine(CacheRoot, "exports", $"{Path.GetFileName(full)}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..8]}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static bool IsFresh(string export, string checkpointFolder) =>
        File.Exists(export) && File.GetLastWriteTimeUtc(export) >= Directory.GetFiles(checkpointFolder).Max(File.GetLastWriteTimeUtc);
}
