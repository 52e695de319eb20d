using System.Runtime.InteropServices;
using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Strict name-for-name loading of safetensors weights into a <see cref="CausalLanguageModel"/>: every parameter
/// must be present with its exact shape, and every tensor in the checkpoint must be a parameter. Tolerated extras:
/// <c>lm_head.weight</c> when embeddings are tied, and the <c>rotary_emb.inv_freq</c> buffers older checkpoints carry.
/// Floating-point weights of any stored dtype are converted to the model's dtype.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>Loads <paramref name="weights"/> into <paramref name="model"/>.</summary>
    /// <exception cref="ModelFormatException">Lists every missing, unexpected and wrongly shaped tensor by name.</exception>
    public static void Load(CausalLanguageModel model, CheckpointWeights weights)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var names = weights.Names;
        var present = names.ToHashSet(StringComparer.Ordinal);
        var missing = parameters.Keys.Where(n => !present.Contains(n)).Order(StringComparer.Ordinal).ToList();
        var unexpected = names.Where(n => !parameters.ContainsKey(n) && !IsTolerated(n, model.Config)).ToList();
        var wrongShape = new List<string>();
        var wrongType = new List<string>();
        foreach (var (name, p) in parameters)
        {
            if (!present.Contains(name)) continue;
            var info = weights.GetInfo(name);
            if (!info.Shape.SequenceEqual(p.shape)) wrongShape.Add($"{name} is {info.ShapeText}, expected [{string.Join(", ", p.shape)}]");
            else if (!info.DType.IsFloatingPoint()) wrongType.Add($"{name} is {info.DType}, expected a floating-point type");
        }
        if (missing.Count + unexpected.Count + wrongShape.Count + wrongType.Count > 0)
        {
            var problems = new List<string>();
            if (missing.Count > 0) problems.Add($"missing tensors: {string.Join(", ", missing)}");
            if (unexpected.Count > 0) problems.Add($"unexpected tensors: {string.Join(", ", unexpected)}");
            if (wrongShape.Count > 0) problems.Add($"wrong shapes: {string.Join("; ", wrongShape)}");
            if (wrongType.Count > 0) problems.Add($"wrong dtypes: {string.Join("; ", wrongType)}");
            var first = missing.Concat(unexpected).FirstOrDefault() ?? (wrongShape.Count > 0 ? wrongShape[0] : wrongType[0]).Split(' ')[0];
            var file = weights.Contains(first) ? weights.FileOf(first).FilePath : weights.Files.Count > 0 ? weights.Files[0].FilePath : CheckpointWeights.SingleFileName;
            throw new ModelFormatException(file, first, $"the checkpoint does not match the {model.Config.ModelType} architecture in config.json: {string.Join(". ", problems)}.");
        }

        using var noGrad = no_grad();
        foreach (var (name, p) in parameters)
        {
            var info = weights.GetInfo(name);
            using var source = empty(info.Shape.ToArray(), TorchDTypes.FromSafeTensors(info.DType));
            if (info.ByteLength > 0) source.bytes = AsWritable(weights.GetBytes(name));
            p.copy_(source);
        }
    }

    private static bool IsTolerated(string name, DecoderConfig config) =>
        (config.TieWordEmbeddings && name == "lm_head.weight") || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);

    // Tensor.bytes takes a Span; the bytes are only read from it.
    private static Span<byte> AsWritable(ReadOnlySpan<byte> bytes) => MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(bytes), bytes.Length);
}
