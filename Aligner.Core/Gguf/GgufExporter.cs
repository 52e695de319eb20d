using System.Runtime.InteropServices;
using Aligner.Checkpoints;

namespace Aligner.Gguf;

/// <summary>
/// Exports a Hugging Face checkpoint folder (Llama, Mistral, Qwen2 or Gemma) to one GGUF file that llama.cpp (and so
/// Ollama, LM Studio, LLamaSharp) loads, the tokenizer included. Follows llama.cpp's <c>convert_hf_to_gguf.py</c>:
/// <c>general.architecture</c> <c>llama</c> for Llama and Mistral, <c>qwen2</c>, <c>gemma</c>; llama.cpp tensor
/// names; Llama's q/k rows permuted from Hugging Face's rotate-half layout to the interleaved layout llama.cpp's
/// rope expects; Gemma's norm weights stored as <c>1 + w</c>; Llama 3 rope scaling as a <c>rope_freqs.weight</c> tensor.
/// As in the reference converter, Mistral's <c>sliding_window</c> is not carried over (llama.cpp's <c>llama</c>
/// architecture attends to the whole context), so outputs agree while sequences stay within the window.
/// </summary>
public static class GgufExporter
{
    /// <summary>Exports <paramref name="checkpointFolder"/> to <paramref name="outputFile"/> and returns the written file, opened.</summary>
    /// <exception cref="ModelFormatException">The checkpoint is incomplete or inconsistent (missing tensor, wrong shape, unknown tensor); the file and tensor are named.</exception>
    /// <exception cref="NotSupportedModelException">A feature llama.cpp's matching architecture cannot express (e.g. MLP biases on Qwen2).</exception>
    public static GgufFile Export(string checkpointFolder, string outputFile, GgufExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointFolder);
        ArgumentException.ThrowIfNullOrEmpty(outputFile);
        options ??= new GgufExportOptions();
        if (!Enum.IsDefined(options.WeightType)) throw new ArgumentOutOfRangeException(nameof(options), options.WeightType, "unknown weight type.");
        var folder = CheckpointFolder.Open(checkpointFolder);
        var config = folder.Config;
        var vocabulary = GgufTokenizerVocabulary.Load(folder.Path, config);
        using var weights = folder.OpenWeights();
        var writer = new GgufWriter();
        string arch = ArchitectureOf(config, folder.Path);
        AddModelMetadata(writer, config, arch, options, options.Name ?? folder.Name);
        vocabulary.AddTo(writer);
        AddTensors(writer, weights, config, arch, options.WeightType);
        writer.Save(outputFile);
        return GgufFile.Open(outputFile);
    }

    /// <summary>The llama.cpp architecture name of a checkpoint's <c>model_type</c>.</summary>
    public static string ArchitectureOf(DecoderConfig config, string path = "config.json")
    {
        ArgumentNullException.ThrowIfNull(config);
        var file = Path.Combine(path, CheckpointFolder.ConfigFileName);
        return ModelFamilies.Require(config.ModelType, ModelTarget.GgufExport, file).GgufArchitecture
            ?? throw new NotSupportedModelException(file, "model_type", $"'{config.ModelType}' has no GGUF architecture.");
    }

    private static void AddModelMetadata(GgufWriter w, DecoderConfig c, string arch, GgufExportOptions options, string name)
    {
        w.Add("general.architecture", GgufValue.From(arch));
        w.Add("general.name", GgufValue.From(name));
        w.Add("general.file_type", GgufValue.From(options.WeightType switch
        {
            GgufTensorType.F32 => 0u, // LLAMA_FTYPE_ALL_F32
            GgufTensorType.F16 => 1u, // LLAMA_FTYPE_MOSTLY_F16
            GgufTensorType.Q8_0 => 7u, // LLAMA_FTYPE_MOSTLY_Q8_0
            _ => 32u,                  // LLAMA_FTYPE_MOSTLY_BF16
        }));
        w.Add($"{arch}.vocab_size", GgufValue.From((uint)c.VocabSize));
        w.Add($"{arch}.context_length", GgufValue.From((uint)c.MaxPositionEmbeddings));
        w.Add($"{arch}.embedding_length", GgufValue.From((uint)c.HiddenSize));
        w.Add($"{arch}.block_count", GgufValue.From((uint)c.NumHiddenLayers));
        w.Add($"{arch}.feed_forward_length", GgufValue.From((uint)c.IntermediateSize));
        w.Add($"{arch}.attention.head_count", GgufValue.From((uint)c.NumAttentionHeads));
        w.Add($"{arch}.attention.head_count_kv", GgufValue.From((uint)c.NumKeyValueHeads));
        w.Add($"{arch}.attention.key_length", GgufValue.From((uint)c.HeadDim));
        w.Add($"{arch}.attention.value_length", GgufValue.From((uint)c.HeadDim));
        w.Add($"{arch}.rope.dimension_count", GgufValue.From((uint)c.HeadDim));
        w.Add($"{arch}.rope.freq_base", GgufValue.From((float)c.RopeTheta));
        w.Add($"{arch}.attention.layer_norm_rms_epsilon", GgufValue.From((float)c.RmsNormEps));
        if (c.RopeScaling is { Type: RopeScalingType.Linear } linear)
        {
            w.Add($"{arch}.rope.scaling.type", GgufValue.From("linear"));
            w.Add($"{arch}.rope.scaling.factor", GgufValue.From((float)linear.Factor));
        }
    }

    private static void AddTensors(GgufWriter w, CheckpointWeights weights, DecoderConfig c, string arch, GgufTensorType matrixType)
    {
        var file = weights.Files.Count > 0 ? weights.Files[0].FilePath : CheckpointWeights.SingleFileName;
        if (c.RopeScaling is { Type: RopeScalingType.Llama3 } llama3)
        {
            if (arch != "llama") throw new NotSupportedModelException(file, "rope_scaling", $"llama3 rope scaling cannot be expressed for GGUF architecture '{arch}'.");
            var factors = Llama3RopeFactors(c, llama3);
            w.AddTensor("rope_freqs.weight", GgufTensorType.F32, [factors.Length], MemoryMarshal.AsBytes(factors.AsSpan()).ToArray());
        }
        bool permute = arch == "llama";
        bool addUnitToNorms = c.NormAddsUnitOffset;
        var expected = ExpectedShapes(c);
        var expectedNames = expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var name in weights.Names)
        {
            if (expectedNames.Contains(name) || GgufTensorNames.IsDerived(name)) continue;
            if (name == "lm_head.weight" && (c.TieWordEmbeddings || arch == "gemma")) continue;
            throw new NotSupportedModelException(weights.FileOf(name).FilePath, name, $"tensor has no place in a GGUF '{arch}' model (config: {c}).");
        }
        foreach (var (name, shape) in expected)
        {
            if (!weights.Contains(name)) throw new ModelFormatException(file, name, "tensor is missing from the checkpoint.");
            var info = weights.GetInfo(name);
            if (!info.DType.IsFloatingPoint()) throw new ModelFormatException(info.FilePath, name, $"is {info.DType}, not a floating-point tensor.");
            if (!info.Shape.SequenceEqual(shape))
                throw new ModelFormatException(info.FilePath, name, $"has shape {info.ShapeText}, config.json implies [{string.Join(", ", shape)}].");
            var ggufName = GgufTensorNames.FromHuggingFace(name)!;
            // Q8_0 needs rows of whole 32-value blocks; other matrices fall back to F16, as convert_hf_to_gguf.py does.
            var type = shape.Length < 2 ? GgufTensorType.F32
                : matrixType == GgufTensorType.Q8_0 && shape[^1] % GgufTensorType.Q8_0.BlockSize() != 0 ? GgufTensorType.F16
                : matrixType;
            int heads = name.Contains(".q_proj.", StringComparison.Ordinal) ? c.NumAttentionHeads
                : name.Contains(".k_proj.", StringComparison.Ordinal) ? c.NumKeyValueHeads : 0;
            bool isNorm = name.EndsWith("norm.weight", StringComparison.Ordinal);
            w.AddTensor(ggufName, type, shape, stream =>
            {
                var values = weights.ReadSingles(name);
                if (permute && heads > 0) values = PermuteForInterleavedRope(values, heads, c.HeadDim);
                if (addUnitToNorms && isNorm) for (int i = 0; i < values.Length; i++) values[i] += 1f;
                WriteAs(stream, values, type);
            });
        }
    }

    /// <summary>The checkpoint tensors a configuration needs, with their PyTorch shapes, in GGUF order.</summary>
    private static List<KeyValuePair<string, long[]>> ExpectedShapes(DecoderConfig c)
    {
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, ffn = c.IntermediateSize;
        var list = new List<KeyValuePair<string, long[]>> { new("model.embed_tokens.weight", [c.VocabSize, h]) };
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            var p = $"model.layers.{i}.";
            list.Add(new(p + "input_layernorm.weight", [h]));
            list.Add(new(p + "self_attn.q_proj.weight", [q, h]));
            list.Add(new(p + "self_attn.k_proj.weight", [kv, h]));
            list.Add(new(p + "self_attn.v_proj.weight", [kv, h]));
            if (c.HasQkvBias)
            {
                list.Add(new(p + "self_attn.q_proj.bias", [q]));
                list.Add(new(p + "self_attn.k_proj.bias", [kv]));
                list.Add(new(p + "self_attn.v_proj.bias", [kv]));
            }
            list.Add(new(p + "self_attn.o_proj.weight", [h, q]));
            if (c.HasOutputBias) list.Add(new(p + "self_attn.o_proj.bias", [h]));
            list.Add(new(p + "post_attention_layernorm.weight", [h]));
            list.Add(new(p + "mlp.gate_proj.weight", [ffn, h]));
            list.Add(new(p + "mlp.up_proj.weight", [ffn, h]));
            list.Add(new(p + "mlp.down_proj.weight", [h, ffn]));
            if (c.HasMlpBias)
            {
                list.Add(new(p + "mlp.gate_proj.bias", [ffn]));
                list.Add(new(p + "mlp.up_proj.bias", [ffn]));
                list.Add(new(p + "mlp.down_proj.bias", [h]));
            }
        }
        list.Add(new("model.norm.weight", [h]));
        if (!c.TieWordEmbeddings && c.ModelType != "gemma") list.Add(new("lm_head.weight", [c.VocabSize, h]));
        return list;
    }

    /// <summary>
    /// Reorders the rows of each head from Hugging Face's rotate-half layout (first half, second half) to pairs
    /// (x0, x(d/2)), (x1, x(d/2+1))...: <c>convert_hf_to_gguf.py</c>'s <c>LlamaModel.permute</c>. Works on weights
    /// (<c>[heads·headDim, in]</c>) and biases (<c>[heads·headDim]</c>).
    /// </summary>
    public static float[] PermuteForInterleavedRope(float[] values, int heads, int headDim)
    {
        ArgumentNullException.ThrowIfNull(values);
        int rows = heads * headDim;
        if (rows <= 0 || values.Length % rows != 0) throw new ArgumentException($"{values.Length} values are not {rows} rows.", nameof(values));
        int width = values.Length / rows, half = headDim / 2;
        var result = new float[values.Length];
        for (int head = 0; head < heads; head++)
            for (int j = 0; j < half; j++)
                for (int k = 0; k < 2; k++)
                {
                    int to = head * headDim + j * 2 + k, from = head * headDim + k * half + j;
                    Array.Copy(values, (long)from * width, result, (long)to * width, width);
                }
        return result;
    }

    /// <summary>Llama 3.1's per-frequency rope factors, as <c>convert_hf_to_gguf.py</c> stores them in <c>rope_freqs.weight</c>.</summary>
    public static float[] Llama3RopeFactors(DecoderConfig config, RopeScaling scaling)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(scaling);
        int dim = config.HeadDim;
        double lowWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.LowFrequencyFactor;
        double highWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.HighFrequencyFactor;
        var factors = new float[dim / 2];
        for (int i = 0; i < factors.Length; i++)
        {
            double frequency = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / dim);
            double wavelength = 2 * Math.PI / frequency;
            if (wavelength < highWavelength) factors[i] = 1;
            else if (wavelength > lowWavelength) factors[i] = (float)scaling.Factor;
            else
            {
                double smooth = (scaling.OriginalMaxPositionEmbeddings / wavelength - scaling.LowFrequencyFactor) / (scaling.HighFrequencyFactor - scaling.LowFrequencyFactor);
                factors[i] = (float)(1 / ((1 - smooth) / scaling.Factor + smooth));
            }
        }
        return factors;
    }

    private static void WriteAs(Stream stream, float[] values, GgufTensorType type)
    {
        switch (type)
        {
            case GgufTensorType.F32:
                stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
                break;
            case GgufTensorType.Q8_0:
                var blocks = new byte[GgufTensorType.Q8_0.ByteCount(values.Length)];
                GgufTensorTypes.QuantizeQ8_0(values, blocks);
                stream.Write(blocks);
                break;
            case GgufTensorType.F16:
                var halves = new Half[values.Length];
                for (int i = 0; i < values.Length; i++) halves[i] = (Half)values[i];
                stream.Write(MemoryMarshal.AsBytes(halves.AsSpan()));
                break;
            default:
                var bf16 = new ushort[values.Length];
                for (int i = 0; i < values.Length; i++) bf16[i] = ToBFloat16(values[i]);
                stream.Write(MemoryMarshal.AsBytes(bf16.AsSpan()));
                break;
        }
    }

    /// <summary>Rounds to the nearest bfloat16 (ties to even), keeping NaN a NaN.</summary>
    private static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
