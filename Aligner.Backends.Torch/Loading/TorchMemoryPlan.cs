using Aligner.Checkpoints;
using Aligner.Memory;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Loading;

/// <summary>
/// What loading a checkpoint will cost in memory, computed from its header before anything is allocated: the
/// parameters in the load dtype, plus a working margin for one request — a KV cache of
/// <see cref="MarginContextTokens"/> positions (or the model's context, if shorter), 5 % of the weights for
/// activations and allocator slack, and <see cref="FixedMarginBytes"/>.
/// </summary>
/// <param name="WeightBytes">Bytes of the parameters in the load dtype.</param>
/// <param name="MarginBytes">Working memory beyond the weights.</param>
public sealed record TorchMemoryPlan(long WeightBytes, long MarginBytes)
{
    /// <summary>Positions of KV cache counted in the margin.</summary>
    public const int MarginContextTokens = 2048;

    /// <summary>Fixed part of the margin (256 MiB).</summary>
    public const long FixedMarginBytes = 256L << 20;

    /// <summary>Total bytes needed.</summary>
    public long NeededBytes => WeightBytes + MarginBytes;

    /// <summary>Number of parameter elements the checkpoint will load: every tensor except tolerated extras (<c>lm_head.weight</c> when tied, <c>rotary_emb.inv_freq</c>).</summary>
    public static long ParameterElements(DecoderConfig config, CheckpointWeights weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        long total = 0;
        foreach (var name in weights.Names)
        {
            if (Modeling.CheckpointLoader.IsTolerated(name, config)) continue;
            total = checked(total + weights.GetInfo(name).ElementCount);
        }
        return total;
    }

    /// <summary>The floating-point dtype holding most of the checkpoint's bytes, or <see langword="null"/> when it has none.</summary>
    public static SafeTensorDType? StoredDType(CheckpointWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return weights.Names.Select(weights.GetInfo).Where(i => i.DType.IsFloatingPoint())
            .GroupBy(i => i.DType).Select(g => (DType: g.Key, Bytes: g.Sum(i => i.ByteLength)))
            .OrderByDescending(g => g.Bytes).Select(g => (SafeTensorDType?)g.DType).FirstOrDefault();
    }

    /// <summary>The plan for <paramref name="elements"/> parameters of <paramref name="config"/> loaded as <paramref name="dtype"/>.</summary>
    public static TorchMemoryPlan For(DecoderConfig config, long elements, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        long weightBytes = checked(elements * ElementSize(dtype));
        return new TorchMemoryPlan(weightBytes, Margin(config, dtype, weightBytes));
    }

    /// <summary>The working margin: a KV cache of <see cref="MarginContextTokens"/> positions (or the context), 5 % of the weights, the fixed part.</summary>
    private static long Margin(DecoderConfig config, ScalarType dtype, long weightBytes)
    {
        long tokens = Math.Min(MarginContextTokens, Math.Max(1, config.MaxPositionEmbeddings));
        long kv = checked(2L * config.NumHiddenLayers * config.NumKeyValueHeads * config.HeadDim * tokens * ElementSize(dtype));
        return checked(kv + weightBytes / 20 + FixedMarginBytes);
    }

    /// <summary>
    /// The plan for loading as <paramref name="dtype"/> with int8 projections quantized layer by layer during the load:
    /// the projections (and the head) at one byte per weight plus a float32 scale per 32, everything else in
    /// <paramref name="dtype"/>, and one layer's projections in <paramref name="dtype"/> while it is being quantized.
    /// </summary>
    public static TorchMemoryPlan ForInt8(DecoderConfig config, long elements, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        long size = ElementSize(dtype);
        long h = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim;
        long perLayer = h * (q + 2 * kv) + q * h + 3 * h * config.IntermediateSize;
        long head = (long)config.VocabSize * h;
        long projections = Math.Min(elements, perLayer * config.NumHiddenLayers + (config.TieWordEmbeddings ? 0 : head));
        long int8Bytes = (projections + (config.TieWordEmbeddings ? head : 0)) * 9 / 8;
        long weightBytes = checked((elements - projections) * size + int8Bytes + perLayer * size);
        return new TorchMemoryPlan(weightBytes, Margin(config, dtype, weightBytes));
    }

    /// <summary>Bytes per element of a weight dtype.</summary>
    public static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Float64 => 8,
        ScalarType.Int8 or ScalarType.Byte => 1,
        _ => throw new ArgumentException($"dtype {dtype} is not a weight dtype.", nameof(dtype)),
    };

    /// <summary>
    /// Throws <see cref="ModelTooLargeException"/> when <see cref="NeededBytes"/> exceeds <paramref name="available"/>;
    /// does nothing when the available memory is unknown.
    /// </summary>
    /// <param name="modelPath">The checkpoint, for the message.</param>
    /// <param name="dtype">The load dtype.</param>
    /// <param name="available">The available memory, or null when unknown.</param>
    /// <param name="int8">Whether this is the plan of an int8 load (<see cref="ForInt8"/>).</param>
    /// <param name="int8Alternative">The plan of an int8 load, to suggest when this one does not fit.</param>
    public void EnsureFits(string modelPath, ScalarType dtype, AvailableMemory? available, bool int8 = false, TorchMemoryPlan? int8Alternative = null)
    {
        if (available is null || NeededBytes <= available.Bytes) return;
        string quantize = int8Alternative is { } alternative
            ? $"Holding the projections in 8 bits, --quantize int8 (TorchBackendOptions.Quantization = Int8), needs about {ByteSizes.Format(alternative.NeededBytes)}. "
            : "";
        var advice = int8
            ? "An int8 load does not fit either: export a 4-bit ONNX model (aligner export-onnx --quantize int4, then --backend onnx), use a smaller corrector, " +
              "close other processes, or run on a machine or cgroup with more memory."
            : dtype == ScalarType.Float32
            ? $"Load it in 16 bits: --dtype bf16 (TorchBackendOptions.DType = BFloat16) needs about {ByteSizes.Format(WeightBytes / 2 + MarginBytes / 2)}. " + quantize +
              "Or run it with the ONNX backend from an f16 or int8 export (aligner export-onnx --dtype f16 or --quantize int8, then --backend onnx), or on a machine or cgroup with more memory."
            : "A 16-bit load does not fit. " + quantize +
              "Else export a 4-bit ONNX model (aligner export-onnx --quantize int4, then --backend onnx), use a smaller corrector, close other processes, or run on a machine or cgroup with more memory.";
        throw new ModelTooLargeException(modelPath, NeededBytes, available.Bytes, available.Source,
            $"({(int8 ? "int8 projections, other " : "")}{TorchDTypes.ToConfigName(dtype)} weights {ByteSizes.Format(WeightBytes)} + working margin {ByteSizes.Format(MarginBytes)}.) {advice}");
    }

}
