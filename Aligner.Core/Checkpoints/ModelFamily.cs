namespace Aligner.Checkpoints;

/// <summary>Where a model family can go: a backend or an exporter.</summary>
public enum ModelTarget
{
    /// <summary>The TorchSharp backend (loading, generation, training).</summary>
    TorchBackend,

    /// <summary>The ONNX exporter (and so the ONNX Runtime backend, which runs its exports).</summary>
    OnnxExport,

    /// <summary>The GGUF exporter (llama.cpp).</summary>
    GgufExport,
}

/// <summary>
/// One supported <c>model_type</c> and what each backend and exporter does with it. <see cref="ModelFamilies.All"/> is the
/// single table that config parsing, the Torch and ONNX backends and the ONNX and GGUF exporters consult.
/// </summary>
/// <param name="ModelType">The <c>config.json</c> <c>model_type</c>.</param>
/// <param name="HuggingFaceArchitecture">The <c>architectures</c> entry written to <c>config.json</c>.</param>
/// <param name="GgufArchitecture">llama.cpp's architecture name, or <see langword="null"/> when GGUF export is refused.</param>
/// <param name="Refusals">Why a target is refused, by target; absent targets are supported.</param>
public sealed record ModelFamily(string ModelType, string HuggingFaceArchitecture, string? GgufArchitecture, IReadOnlyDictionary<ModelTarget, string> Refusals)
{
    /// <summary>Whether <paramref name="target"/> handles this family.</summary>
    public bool Supports(ModelTarget target) => !Refusals.ContainsKey(target);

    /// <summary>Throws <see cref="NotSupportedModelException"/> naming the architecture and the reason unless <paramref name="target"/> handles it.</summary>
    /// <param name="target">The backend or exporter.</param>
    /// <param name="path">The file to name in the error (usually the checkpoint's <c>config.json</c>).</param>
    public void Require(ModelTarget target, string path)
    {
        if (Refusals.TryGetValue(target, out var why))
            throw new NotSupportedModelException(path, "model_type", $"'{ModelType}' ({HuggingFaceArchitecture}) is not supported by {Describe(target)}: {why}");
    }

    internal static string Describe(ModelTarget target) => target switch
    {
        ModelTarget.TorchBackend => "the Torch backend",
        ModelTarget.OnnxExport => "the ONNX exporter",
        _ => "the GGUF exporter",
    };
}

/// <summary>The table of supported model families.</summary>
public static class ModelFamilies
{
    private static readonly Dictionary<ModelTarget, string> None = [];

    /// <summary>Every supported family, in documentation order.</summary>
    public static IReadOnlyList<ModelFamily> All { get; } =
    [
        new("llama", "LlamaForCausalLM", "llama", None),
        new("mistral", "MistralForCausalLM", "llama", None),
        new("qwen2", "Qwen2ForCausalLM", "qwen2", None),
        new("gemma", "GemmaForCausalLM", "gemma", None),
        new("gemma2", "Gemma2ForCausalLM", null, new Dictionary<ModelTarget, string>
        {
            [ModelTarget.GgufExport] = "the exporter does not write Gemma 2's soft-capping, sandwich-norm and sliding-window metadata, without which llama.cpp computes different logits.",
        }),
    ];

    /// <summary>The family of <paramref name="modelType"/>, or <see langword="null"/> when unsupported.</summary>
    public static ModelFamily? Find(string? modelType) => All.FirstOrDefault(f => f.ModelType == modelType);

    /// <summary>The family of <paramref name="modelType"/>.</summary>
    /// <exception cref="NotSupportedModelException">Not a supported <c>model_type</c>; <paramref name="path"/> and the supported list are named.</exception>
    public static ModelFamily Get(string? modelType, string path) =>
        Find(modelType) ?? throw new NotSupportedModelException(path, "model_type",
            $"'{modelType}' is not supported; supported: {string.Join(", ", All.Select(f => f.ModelType))}.");

    /// <summary>The family of <paramref name="modelType"/>, checked to be handled by <paramref name="target"/>.</summary>
    /// <exception cref="NotSupportedModelException">Unknown <c>model_type</c>, or <paramref name="target"/> refuses it.</exception>
    public static ModelFamily Require(string? modelType, ModelTarget target, string path)
    {
        var family = Get(modelType, path);
        family.Require(target, path);
        return family;
    }
}
