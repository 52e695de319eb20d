using Aligner.Backends.Onnx.Protobuf;
using Aligner.Checkpoints;
using static Aligner.Backends.Onnx.Export.OnnxGraphBuilder;
using DataType = Aligner.Backends.Onnx.Protobuf.TensorProto.Types.DataType;

namespace Aligner.Backends.Onnx.Export;

/// <summary>A weight read from a checkpoint as float32, with its shape.</summary>
internal sealed record CheckpointTensor(float[] Values, long[] Shape);

/// <summary>How <c>MatMulNBits</c> quantizes the linear projections (<see cref="OnnxExportOptions.LinearWeightBits"/>).</summary>
internal sealed record LinearQuantization(int Bits, int BlockSize, int AccuracyLevel);

/// <summary>
/// What both decoder graphs share: the graph's names and inputs in Hugging Face's KV-cache layout, reading checkpoint
/// weights with their shapes checked, linear projections (plain <c>MatMul</c> or <c>MatMulNBits</c>) and activations.
/// </summary>
internal abstract class DecoderGraphWriterBase
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string Logits = "logits";
    public static string PastKey(int layer) => $"past_key_values.{layer}.key";
    public static string PastValue(int layer) => $"past_key_values.{layer}.value";
    public static string PresentKey(int layer) => $"present.{layer}.key";
    public static string PresentValue(int layer) => $"present.{layer}.value";

    protected const string Batch = "batch_size";
    protected const string Sequence = "sequence_length";
    protected const string PastSequence = "past_sequence_length";
    protected const string TotalSequence = "total_sequence_length";

    protected readonly DecoderConfig _config;
    protected readonly OnnxGraphBuilder _g = new("decoder");
    protected readonly DataType _type;
    private readonly Func<string, CheckpointTensor> _read;
    private readonly InitializerStore _store;
    private readonly string _checkpointPath;
    private readonly LinearQuantization? _quantization;

    protected DecoderGraphWriterBase(DecoderConfig config, Func<string, CheckpointTensor> read, InitializerStore store, string checkpointPath, LinearQuantization? quantization)
    {
        _config = config;
        _read = read;
        _store = store;
        _checkpointPath = checkpointPath;
        _quantization = quantization;
        _type = store.WeightType;
    }

    protected InitializerStore Store => _store;

    /// <summary>Declares <c>past_key_values.{i}.key/value</c> [batch, kv_heads, past, head_dim] for every layer.</summary>
    protected void AddPastInputs()
    {
        for (int i = 0; i < _config.NumHiddenLayers; i++)
        {
            _g.AddInput(PastKey(i), _type, Batch, (long)_config.NumKeyValueHeads, PastSequence, (long)_config.HeadDim);
            _g.AddInput(PastValue(i), _type, Batch, (long)_config.NumKeyValueHeads, PastSequence, (long)_config.HeadDim);
        }
    }

    /// <summary>Declares <c>present.{i}.key/value</c> [batch, kv_heads, total, head_dim] for every layer.</summary>
    protected void AddPresentOutputs()
    {
        for (int i = 0; i < _config.NumHiddenLayers; i++)
        {
            _g.AddOutput(PresentKey(i), _type, Batch, (long)_config.NumKeyValueHeads, TotalSequence, (long)_config.HeadDim);
            _g.AddOutput(PresentValue(i), _type, Batch, (long)_config.NumKeyValueHeads, TotalSequence, (long)_config.HeadDim);
        }
    }

    /// <summary>The token embedding [vocab, hidden] and the (Gemma: scaled) embedded input ids.</summary>
    protected (string Table, string Hidden) Embed(string inputIds)
    {
        var s = _config;
        var table = Weight("model.embed_tokens.weight", s.VocabSize, s.HiddenSize);
        string hidden = _g.Op("Gather", [table, inputIds], Attr("axis", 0L));
        if (s.ScalesEmbeddings) hidden = _g.Op("Mul", [hidden, _g.Scalar(MathF.Sqrt(s.HiddenSize), _type)]);
        return (table, hidden);
    }

    /// <summary>
    /// The LM head (tied: the embedding) applied to <paramref name="hidden"/>, float32 logits, Gemma 2's final cap; with
    /// <see cref="OnnxExportOptions.LinearWeightBits"/> it is quantized to 8 bits. With
    /// <paramref name="onePosition"/> (hidden is [batch, 1, h]) a tied head is <c>Gemm</c> with <c>transB</c> over the
    /// embedding itself; otherwise <c>MatMul</c> by its transpose (which ONNX Runtime folds into a second copy).
    /// </summary>
    protected string LmHead(string hidden, string embedding, bool onePosition = false)
    {
        var s = _config;
        string logits;
        if (_quantization is { } q)
        {
            // Quantized to 8 bits whatever the projections' width (llama.cpp's files quantize the output matrix too, and keep
            // it wider than 4 bits): for a small model the head is a large share of the bytes each token reads. A tied head
            // gets its own quantized copy of the embedding.
            string name = s.TieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
            logits = QuantizedMatMul(hidden, "lm_head.weight", ReadChecked(name, s.VocabSize, s.HiddenSize).Values, s.VocabSize, s.HiddenSize, q with { Bits = 8 });
        }
        else if (s.TieWordEmbeddings && onePosition)
        {
            string rows = _g.Op("Squeeze", [hidden, _g.Int64([1])]);
            logits = _g.Op("Unsqueeze", [_g.Op("Gemm", [rows, embedding], Attr("transB", 1L)), _g.Int64([1])]);
        }
        else
        {
            string head = s.TieWordEmbeddings
                ? _g.Op("Transpose", [embedding], Attr("perm", new long[] { 1, 0 }))
                : MatrixInitializer("lm_head.weight", ReadChecked("lm_head.weight", s.VocabSize, s.HiddenSize).Values, s.VocabSize, s.HiddenSize);
            logits = _g.Op("MatMul", [hidden, head]);
        }
        if (_type != DataType.Float) logits = _g.Op("Cast", [logits], Attr("to", (long)DataType.Float));
        if (s.FinalLogitSoftcapping is { } finalCap) logits = SoftCap(logits, (float)finalCap);
        return _g.OpNamed(Logits, "Identity", [logits]);
    }

    /// <summary>Gemma 2's soft-capping, <c>cap·tanh(x / cap)</c>, in float32.</summary>
    protected string SoftCap(string x, float cap) =>
        _g.Op("Mul", [_g.Op("Tanh", [_g.Op("Div", [x, _g.Scalar(cap, DataType.Float)])]), _g.Scalar(cap, DataType.Float)]);

    /// <summary>The MLP's activation of the gate projection.</summary>
    protected string Activate(string gate) => _config.HiddenActivation switch
    {
        HiddenActivation.Silu => _g.Op("Mul", [gate, _g.Op("Sigmoid", [gate])]),
        HiddenActivation.GeluTanh => GeluTanh(gate),
        HiddenActivation.Gelu => GeluExact(gate),
        _ => throw new InvalidOperationException($"Unknown activation {_config.HiddenActivation}."),
    };

    /// <summary>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    private string GeluTanh(string x)
    {
        string cube = _g.Op("Mul", [_g.Op("Mul", [x, x]), x]);
        string inner = _g.Op("Add", [x, _g.Op("Mul", [cube, _g.Scalar(0.044715f, _type)])]);
        inner = _g.Op("Mul", [inner, _g.Scalar(MathF.Sqrt(2f / MathF.PI), _type)]);
        string gate = _g.Op("Add", [_g.Op("Tanh", [inner]), _g.Scalar(1f, _type)]);
        return _g.Op("Mul", [_g.Op("Mul", [x, _g.Scalar(0.5f, _type)]), gate]);
    }

    /// <summary>0.5·x·(1 + erf(x/√2)).</summary>
    private string GeluExact(string x)
    {
        string erf = _g.Op("Erf", [_g.Op("Mul", [x, _g.Scalar(1f / MathF.Sqrt(2f), _type)])]);
        return _g.Op("Mul", [_g.Op("Mul", [x, _g.Scalar(0.5f, _type)]), _g.Op("Add", [erf, _g.Scalar(1f, _type)])]);
    }

    /// <summary><paramref name="x"/> times the [out, in] checkpoint weight <paramref name="name"/>.weight, plus its bias when <paramref name="bias"/>.</summary>
    protected string Linear(string x, string name, int outFeatures, int inFeatures, bool bias)
    {
        var w = ReadChecked(name + ".weight", outFeatures, inFeatures).Values;
        string[] biases = bias ? [name + ".bias"] : [];
        return Projection(x, name + ".weight", w, outFeatures, inFeatures, biases, [outFeatures]);
    }

    /// <summary>
    /// <paramref name="x"/> times an [n, k] weight given by its values (row-major, as checkpoints store them), stored as
    /// <c>MatMul</c>'s [k, n] initializer or quantized for <c>MatMulNBits</c>; then the concatenation of the named
    /// biases (lengths <paramref name="biasLengths"/>) is added when there are any.
    /// </summary>
    protected string Projection(string x, string name, float[] w, int n, int k, string[] biasNames, int[] biasLengths)
    {
        string y = _quantization is { } q
            ? QuantizedMatMul(x, name, w, n, k, q)
            : _g.Op("MatMul", [x, MatrixInitializer(name, w, n, k)]);
        if (biasNames.Length == 0) return y;
        var b = new float[n];
        int at = 0;
        for (int i = 0; i < biasNames.Length; i++)
        {
            var part = ReadChecked(biasNames[i], biasLengths[i]).Values;
            part.CopyTo(b, at);
            at += part.Length;
        }
        string biasName = biasNames.Length == 1 ? biasNames[0] : name + ".bias";
        return _g.Op("Add", [y, _g.AddInitializer(_store.Create(biasName, [n], b))]);
    }

    /// <summary>
    /// <c>com.microsoft.MatMulNBits</c> over a [n, k] weight quantized symmetrically per block of input features:
    /// <c>scale = max|w| / (2^(bits-1) - 1)</c>, <c>q = round(w / scale)</c> stored with the operator's default zero point
    /// 2^(bits-1) (4-bit values two per byte, the first in the low nibble); a last partial block is padded with zeros.
    /// </summary>
    private string QuantizedMatMul(string x, string name, float[] w, int n, int k, LinearQuantization q)
    {
        int bs = q.BlockSize, blocks = (k + bs - 1) / bs, blob = bs * q.Bits / 8;
        int qmax = (1 << (q.Bits - 1)) - 1, zero = 1 << (q.Bits - 1);
        var packed = new byte[(long)n * blocks * blob];
        var scales = new float[n * blocks];
        for (int r = 0; r < n; r++)
        {
            for (int b = 0; b < blocks; b++)
            {
                int start = b * bs, end = Math.Min(k, start + bs);
                float amax = 0;
                for (int c = start; c < end; c++) amax = Math.Max(amax, Math.Abs(w[(long)r * k + c]));
                float scale = amax / qmax, inverse = scale != 0 ? 1f / scale : 0f;
                scales[r * blocks + b] = scale;
                long at = ((long)r * blocks + b) * blob;
                for (int j = 0; j < bs; j++)
                {
                    float v = start + j < end ? w[(long)r * k + start + j] : 0f;
                    int value = (int)Math.Clamp(MathF.Round(v * inverse, MidpointRounding.AwayFromZero), -qmax - 1, qmax) + zero;
                    if (q.Bits == 8) packed[at + j] = (byte)value;
                    else if ((j & 1) == 0) packed[at + j / 2] = (byte)value;
                    else packed[at + j / 2] |= (byte)(value << 4);
                }
            }
        }
        string weights = _g.AddInitializer(_store.CreateRaw(name + $"_Q{q.Bits}", [n, blocks, blob], DataType.Uint8, packed));
        string scaleTensor = _g.AddInitializer(_store.Create(name + "_scales", [(long)n * blocks], scales));
        return _g.OpInDomain(MicrosoftDomain, "MatMulNBits", [x, weights, scaleTensor],
            Attr("K", (long)k), Attr("N", (long)n), Attr("bits", (long)q.Bits), Attr("block_size", (long)bs), Attr("accuracy_level", (long)q.AccuracyLevel));
    }

    /// <summary>An [n, k] weight stored transposed ([k, n]) so that MatMul applies it directly.</summary>
    private string MatrixInitializer(string name, float[] w, int n, int k)
    {
        var transposed = new float[w.Length];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < k; c++)
                transposed[(long)c * n + r] = w[(long)r * k + c];
        return _g.AddInitializer(_store.Create(name, [k, n], transposed));
    }

    /// <summary>A checkpoint weight stored as it is.</summary>
    protected string Weight(string name, params int[] shape)
    {
        var w = ReadChecked(name, shape);
        return _g.AddInitializer(_store.Create(name, w.Shape, w.Values));
    }

    /// <summary>A checkpoint tensor whose shape must be <paramref name="shape"/>; otherwise a <see cref="ModelFormatException"/> naming it.</summary>
    protected CheckpointTensor ReadChecked(string name, params int[] shape)
    {
        var tensor = _read(name);
        if (!tensor.Shape.SequenceEqual(shape.Select(d => (long)d)))
            throw new ModelFormatException(_checkpointPath, name,
                $"has shape [{string.Join(", ", tensor.Shape)}] but config.json implies [{string.Join(", ", shape)}].");
        return tensor;
    }
}
