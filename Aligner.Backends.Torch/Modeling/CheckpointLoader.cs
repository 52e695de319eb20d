using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Strict name-for-name loading of safetensors weights into a <see cref="CausalLanguageModel"/>: every parameter
/// must be present with its exact shape, and every tensor in the checkpoint must be a parameter. Tolerated extras:
/// <c>lm_head.weight</c> when embeddings are tied, and the <c>rotary_emb.inv_freq</c> buffers older checkpoints carry.
/// Floating-point weights of any stored dtype are converted to the model's dtype. Weights are read from the files
/// straight into the parameters' storage (same dtype on the CPU: one copy, no intermediate buffer; otherwise through a
/// bounded conversion buffer), so loading needs little more memory than the parameters themselves.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>Loads <paramref name="weights"/> into <paramref name="model"/>.</summary>
    /// <exception cref="ModelFormatException">Lists every missing, unexpected and wrongly shaped tensor by name.</exception>
    public static void Load(CausalLanguageModel model, CheckpointWeights weights) => Load(model, weights, ConversionChunkElements, DirectChunkBytes);

    /// <summary>
    /// As <see cref="Load(CausalLanguageModel, CheckpointWeights)"/> with explicit chunk sizes (tests use small ones to
    /// exercise chunking); <paramref name="layerLoaded"/> is called with a decoder layer's index as soon as all its
    /// parameters are read (int8 loading quantizes the layer then, so only one layer is ever held in 16 bits).
    /// </summary>
    internal static void Load(CausalLanguageModel model, CheckpointWeights weights, long conversionChunkElements, long directChunkBytes, Action<int>? layerLoaded = null)
    {
        var parameters = Validate(model, weights);

        using var noGrad = no_grad();
        var staging = new Dictionary<ScalarType, Tensor>();
        // The position (in the order below) of each layer's last parameter.
        var order = parameters.Keys.ToList();
        var lastOfLayer = new Dictionary<int, int>();
        for (int i = 0; i < order.Count; i++)
            if (LayerOf(order[i]) is { } layer) lastOfLayer[layer] = i;
        try
        {
            for (int i = 0; i < order.Count; i++)
            {
                var (name, p) = (order[i], parameters[order[i]]);
                var info = weights.GetInfo(name);
                if (info.ByteLength > 0)
                {
                    var stored = TorchDTypes.FromSafeTensors(info.DType);
                    if (p.device_type == DeviceType.CPU && p.dtype == stored && p.is_contiguous()) ReadInPlace(weights, name, p, directChunkBytes);
                    else ReadConverted(weights, name, stored, p, staging, conversionChunkElements);
                }
                if (layerLoaded is not null && LayerOf(name) is { } done && lastOfLayer[done] == i) layerLoaded(done);
            }
        }
        finally
        {
            foreach (var t in staging.Values) t.Dispose();
        }
    }

    /// <summary>
    /// The model's parameters by name, after checking that the checkpoint holds exactly them (tolerated extras aside) with
    /// their shapes and floating-point dtypes.
    /// </summary>
    /// <exception cref="ModelFormatException">Lists every missing, unexpected and wrongly shaped tensor by name.</exception>
    internal static Dictionary<string, TorchSharp.Modules.Parameter> Validate(CausalLanguageModel model, CheckpointWeights weights)
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

        return parameters;
    }

    /// <summary>The decoder layer index of a parameter name (<c>model.layers.{i}.…</c>), or <see langword="null"/>.</summary>
    private static int? LayerOf(string name)
    {
        const string prefix = "model.layers.";
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return null;
        int end = name.IndexOf('.', prefix.Length);
        return end > prefix.Length && int.TryParse(name.AsSpan(prefix.Length, end - prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer)
            ? layer : null;
    }

    /// <summary>Largest piece read with one call (the span behind <c>Tensor.bytes</c> is int-sized).</summary>
    internal const long DirectChunkBytes = 1L << 30;

    /// <summary>Elements converted per step when the stored dtype or device differs from the parameter's.</summary>
    internal const long ConversionChunkElements = 4L << 20;

    // Same dtype, CPU: the file's bytes go straight into the parameter's storage, nothing in between.
    private static void ReadInPlace(CheckpointWeights weights, string name, Tensor parameter, long chunkBytes)
    {
        long total = parameter.numel() * parameter.ElementSize;
        if (total <= chunkBytes)
        {
            var span = parameter.bytes;
            HugePages.Advise(span);
            weights.Read(name, 0, span);
            return;
        }
        using var flat = parameter.view(-1);
        long perChunk = Math.Max(1, chunkBytes / parameter.ElementSize);
        for (long start = 0; start < flat.numel(); start += perChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(perChunk, flat.numel() - start));
            var span = part.bytes;
            HugePages.Advise(span);
            weights.Read(name, start * parameter.ElementSize, span);
        }
    }

    // Other dtype or device: read a bounded chunk in the stored dtype into a reused CPU buffer, then convert-copy it.
    private static void ReadConverted(CheckpointWeights weights, string name, ScalarType stored, Tensor parameter, Dictionary<ScalarType, Tensor> staging, long chunkElements)
    {
        long count = parameter.numel();
        long perChunk = Math.Max(1, Math.Min(chunkElements, count));
        if (!staging.TryGetValue(stored, out var buffer) || buffer.numel() < perChunk)
        {
            buffer?.Dispose();
            buffer = empty([perChunk], stored);
            staging[stored] = buffer;
        }
        using var flat = parameter.view(-1);
        if (parameter.device_type == DeviceType.CPU && parameter.is_contiguous())
        {
            long perAdvice = Math.Max(1, DirectChunkBytes / parameter.ElementSize);
            for (long start = 0; start < count; start += perAdvice)
            {
                using var part = flat.narrow(0, start, Math.Min(perAdvice, count - start));
                HugePages.Advise(part.bytes);
            }
        }
        long size = buffer.ElementSize;
        for (long start = 0; start < count; start += perChunk)
        {
            long n = Math.Min(perChunk, count - start);
            using var source = buffer.narrow(0, 0, n);
            weights.Read(name, start * size, source.bytes);
            using var target = flat.narrow(0, start, n);
            target.copy_(source);
        }
    }

    /// <summary>Checkpoint tensors that are not parameters but are accepted: <c>lm_head.weight</c> when embeddings are tied, <c>rotary_emb.inv_freq</c> buffers.</summary>
    internal static bool IsTolerated(string name, DecoderConfig config) =>
        (config.TieWordEmbeddings && name == "lm_head.weight") || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);
}
