using Aligner.Backends.Onnx.Protobuf;
using Aligner.Checkpoints;
using static Aligner.Backends.Onnx.Export.OnnxGraphBuilder;
using DataType = Aligner.Backends.Onnx.Protobuf.TensorProto.Types.DataType;

namespace Aligner.Backends.Onnx.Export;

/// <summary>
/// Writes the ONNX graph of a Llama-family decoder (Llama, Mistral, Qwen2, Gemma) with the KV-cache interface that
/// Hugging Face's exporter and ONNX Runtime GenAI use. Computation follows Hugging Face's modeling code: RMSNorm in
/// float32, rotary embeddings from <c>position_ids</c>, grouped-query attention with a causal and padding mask,
/// softmax in float32, gated MLP.
/// </summary>
internal sealed class DecoderGraphWriter : DecoderGraphWriterBase
{
    /// <summary>Opset of the default domain: every op used exists there, and onnx 1.12 and ORT 1.31 both accept it.</summary>
    public const int Opset = 17;

    private DecoderGraphWriter(DecoderConfig config, Func<string, CheckpointTensor> read, InitializerStore store, string checkpointPath, LinearQuantization? quantization)
        : base(config, read, store, checkpointPath, quantization)
    {
    }

    /// <summary>Builds the model. <paramref name="read"/> returns a checkpoint tensor by its Hugging Face name.</summary>
    public static ModelProto Write(DecoderConfig config, Func<string, CheckpointTensor> read, InitializerStore store,
        string checkpointPath, IReadOnlyDictionary<string, string> metadata, LinearQuantization? quantization = null) =>
        new DecoderGraphWriter(config, read, store, checkpointPath, quantization).Build(metadata);

    private ModelProto Build(IReadOnlyDictionary<string, string> metadata)
    {
        var s = _config;
        string inputIds = _g.AddInput(InputIds, DataType.Int64, Batch, Sequence);
        string mask = _g.AddInput(AttentionMask, DataType.Int64, Batch, TotalSequence);
        string positions = _g.AddInput(PositionIds, DataType.Int64, Batch, Sequence);
        AddPastInputs();

        var (embedding, hidden) = Embed(inputIds);

        var (cos, sin) = RotaryTables(positions);
        var biases = new AttentionBiases(this, mask, inputIds);

        for (int i = 0; i < s.NumHiddenLayers; i++)
        {
            string prefix = $"model.layers.{i}.";
            string normed = RmsNorm(hidden, prefix + "input_layernorm.weight");
            string attention = Attention(normed, i, prefix + "self_attn.", cos, sin, biases.ForLayer(i));
            if (s.HasSandwichNorms)
            {
                // Gemma 2: x + post_attention_layernorm(attn), then x + post_feedforward_layernorm(mlp(pre_feedforward_layernorm(x))).
                hidden = _g.Op("Add", [hidden, RmsNorm(attention, prefix + "post_attention_layernorm.weight")]);
                normed = RmsNorm(hidden, prefix + "pre_feedforward_layernorm.weight");
                hidden = _g.Op("Add", [hidden, RmsNorm(Mlp(normed, prefix + "mlp."), prefix + "post_feedforward_layernorm.weight")]);
                continue;
            }
            hidden = _g.Op("Add", [hidden, attention]);
            normed = RmsNorm(hidden, prefix + "post_attention_layernorm.weight");
            hidden = _g.Op("Add", [hidden, Mlp(normed, prefix + "mlp.")]);
        }
        hidden = RmsNorm(hidden, "model.norm.weight");

        LmHead(hidden, embedding);
        _g.AddOutput(Logits, DataType.Float, Batch, Sequence, (long)s.VocabSize);
        AddPresentOutputs();
        return _g.Build(Opset, metadata);
    }

    /// <summary>cos and sin of shape [batch, 1, 1, seq, head_dim] in the compute type (broadcast over heads).</summary>
    private (string Cos, string Sin) RotaryTables(string positions)
    {
        float[] inverseFrequencies = [.. RotaryFrequencies.Compute(_config).Select(f => (float)f)];
        string invFreq = _g.Float32("rotary_inv_freq", inverseFrequencies);
        string position = _g.Op("Cast", [positions], Attr("to", (long)DataType.Float));
        position = _g.Op("Unsqueeze", [position, _g.Int64([-1])]);
        string freqs = _g.Op("Mul", [position, invFreq]);
        string angles = _g.Op("Concat", [freqs, freqs], Attr("axis", -1L));
        string cos = _g.Op("Cos", [angles]);
        string sin = _g.Op("Sin", [angles]);
        if (_type != DataType.Float)
        {
            cos = _g.Op("Cast", [cos], Attr("to", (long)_type));
            sin = _g.Op("Cast", [sin], Attr("to", (long)_type));
        }
        string axes = _g.Int64([1, 2]);
        return (_g.Op("Unsqueeze", [cos, axes]), _g.Op("Unsqueeze", [sin, axes]));
    }

    /// <summary>
    /// The float32 attention biases of shape [batch, 1, 1, seq, total]: 0 where query i may attend to key j, the most
    /// negative float32 elsewhere. Key j must be a real token (mask 1) and j ≤ past + i; a layer with a sliding
    /// window W also needs (past + i) − j &lt; W (cache indices, as Hugging Face counts them).
    /// </summary>
    private sealed class AttentionBiases(DecoderGraphWriter writer, string mask, string inputIds)
    {
        private readonly Dictionary<int, string> _byWindow = [];
        private string? _keyIndex, _queryIndex, _padding;

        public string ForLayer(int layer)
        {
            int window = writer._config.SlidingWindowOfLayer(layer) is { } w && w < writer._config.MaxPositionEmbeddings ? w : 0;
            if (_byWindow.TryGetValue(window, out var bias)) return bias;
            var g = writer._g;
            if (_keyIndex is null)
            {
                string zero = g.Int64([0], scalar: true);
                string one = g.Int64([1], scalar: true);
                string total = g.Op("Squeeze", [g.Op("Shape", [mask], Attr("start", 1L), Attr("end", 2L)), g.Int64([0])]);
                string sequence = g.Op("Squeeze", [g.Op("Shape", [inputIds], Attr("start", 1L), Attr("end", 2L)), g.Int64([0])]);
                string past = g.Op("Sub", [total, sequence]);
                _keyIndex = g.Op("Range", [zero, total, one]);
                _queryIndex = g.Op("Unsqueeze", [g.Op("Range", [past, total, one]), g.Int64([1])]);
                _padding = g.Op("Unsqueeze", [g.Op("Cast", [mask], Attr("to", (long)DataType.Bool)), g.Int64([1, 2, 3])]);
            }
            string allowed = g.Op("LessOrEqual", [_keyIndex, _queryIndex!]);
            if (window > 0)
            {
                string distance = g.Op("Sub", [_queryIndex!, _keyIndex]);
                allowed = g.Op("And", [allowed, g.Op("Less", [distance, g.Int64([window], scalar: true)])]);
            }
            allowed = g.Op("And", [allowed, _padding!]);
            return _byWindow[window] = g.Op("Where", [allowed, g.Scalar(0f, DataType.Float), g.Scalar(float.MinValue, DataType.Float)]);
        }
    }

    private string Attention(string x, int layer, string prefix, string cos, string sin, string bias)
    {
        var s = _config;
        int groups = s.NumAttentionHeads / s.NumKeyValueHeads;
        string q = Linear(x, prefix + "q_proj", s.NumAttentionHeads * s.HeadDim, s.HiddenSize, s.HasQkvBias);
        string k = Linear(x, prefix + "k_proj", s.NumKeyValueHeads * s.HeadDim, s.HiddenSize, s.HasQkvBias);
        string v = Linear(x, prefix + "v_proj", s.NumKeyValueHeads * s.HeadDim, s.HiddenSize, s.HasQkvBias);

        // q: [b, s, heads*hd] -> [b, kv_heads, groups, s, hd]; k, v: -> [b, kv_heads, s, hd].
        q = _g.Op("Reshape", [q, _g.Int64([0, 0, s.NumKeyValueHeads, groups, s.HeadDim])]);
        q = _g.Op("Transpose", [q], Attr("perm", new long[] { 0, 2, 3, 1, 4 }));
        k = _g.Op("Transpose", [_g.Op("Reshape", [k, _g.Int64([0, 0, s.NumKeyValueHeads, s.HeadDim])])], Attr("perm", new long[] { 0, 2, 1, 3 }));
        v = _g.Op("Transpose", [_g.Op("Reshape", [v, _g.Int64([0, 0, s.NumKeyValueHeads, s.HeadDim])])], Attr("perm", new long[] { 0, 2, 1, 3 }));

        q = ApplyRotary(q, cos, sin);
        string cos4 = _g.Op("Squeeze", [cos, _g.Int64([1])]);
        string sin4 = _g.Op("Squeeze", [sin, _g.Int64([1])]);
        k = ApplyRotary(k, cos4, sin4);

        string keys = _g.OpNamed(PresentKey(layer), "Concat", [PastKey(layer), k], Attr("axis", 2L));
        string values = _g.OpNamed(PresentValue(layer), "Concat", [PastValue(layer), v], Attr("axis", 2L));

        // Scores [b, kv, groups, s, total] in float32.
        string keys5 = _g.Op("Unsqueeze", [keys, _g.Int64([2])]);
        string values5 = _g.Op("Unsqueeze", [values, _g.Int64([2])]);
        string keysT = _g.Op("Transpose", [keys5], Attr("perm", new long[] { 0, 1, 2, 4, 3 }));
        string scores = _g.Op("MatMul", [q, keysT]);
        if (_type != DataType.Float) scores = _g.Op("Cast", [scores], Attr("to", (long)DataType.Float));
        scores = _g.Op("Mul", [scores, _g.Scalar((float)(1.0 / Math.Sqrt(s.QueryPreAttentionScalar ?? s.HeadDim)), DataType.Float)]);
        if (s.AttentionLogitSoftcapping is { } cap) scores = SoftCap(scores, (float)cap); // Gemma 2, before the mask
        scores = _g.Op("Add", [scores, bias]);
        string probabilities = _g.Op("Softmax", [scores], Attr("axis", -1L));
        if (_type != DataType.Float) probabilities = _g.Op("Cast", [probabilities], Attr("to", (long)_type));
        string context = _g.Op("MatMul", [probabilities, values5]);
        // [b, kv, groups, s, hd] -> [b, s, kv, groups, hd] -> [b, s, heads*hd]
        context = _g.Op("Transpose", [context], Attr("perm", new long[] { 0, 3, 1, 2, 4 }));
        context = _g.Op("Reshape", [context, _g.Int64([0, 0, s.NumAttentionHeads * s.HeadDim])]);
        return Linear(context, prefix + "o_proj", s.HiddenSize, s.NumAttentionHeads * s.HeadDim, s.HasOutputBias);
    }

    /// <summary>x·cos + rotate_half(x)·sin, where rotate_half(x) = [−x₂, x₁] over the last axis.</summary>
    private string ApplyRotary(string x, string cos, string sin)
    {
        long half = _config.HeadDim / 2;
        var halves = _g.OpMulti("Split", [x, _g.Int64([half, half])], 2, Attr("axis", -1L));
        string rotated = _g.Op("Concat", [_g.Op("Neg", [halves[1]]), halves[0]], Attr("axis", -1L));
        return _g.Op("Add", [_g.Op("Mul", [x, cos]), _g.Op("Mul", [rotated, sin])]);
    }

    private string Mlp(string x, string prefix)
    {
        var s = _config;
        string gate = Linear(x, prefix + "gate_proj", s.IntermediateSize, s.HiddenSize, s.HasMlpBias);
        string up = Linear(x, prefix + "up_proj", s.IntermediateSize, s.HiddenSize, s.HasMlpBias);
        string activated = Activate(gate);
        return Linear(_g.Op("Mul", [activated, up]), prefix + "down_proj", s.HiddenSize, s.IntermediateSize, s.HasMlpBias);
    }

    /// <summary>
    /// Hugging Face's RMSNorm: normalise in float32; Llama casts back and multiplies by the weight in the compute type,
    /// Gemma multiplies by (1 + weight) in float32 and then casts.
    /// </summary>
    private string RmsNorm(string x, string weightName)
    {
        var raw = ReadChecked(weightName, _config.HiddenSize);
        string input = _type == DataType.Float ? x : _g.Op("Cast", [x], Attr("to", (long)DataType.Float));
        string variance = _g.Op("ReduceMean", [_g.Op("Mul", [input, input])], Attr("axes", new long[] { -1 }), Attr("keepdims", 1L));
        string inverse = _g.Op("Reciprocal", [_g.Op("Sqrt", [_g.Op("Add", [variance, _g.Scalar((float)_config.RmsNormEps, DataType.Float)])])]);
        string normalized = _g.Op("Mul", [input, inverse]);
        if (_config.NormAddsUnitOffset)
        {
            var plusOne = new float[raw.Values.Length];
            for (int i = 0; i < plusOne.Length; i++) plusOne[i] = 1f + raw.Values[i];
            string weight = _g.AddInitializer(Store.Create(weightName, raw.Shape, plusOne, keepFloat32: true));
            string scaled = _g.Op("Mul", [normalized, weight]);
            return _type == DataType.Float ? scaled : _g.Op("Cast", [scaled], Attr("to", (long)_type));
        }
        string typed = _type == DataType.Float ? normalized : _g.Op("Cast", [normalized], Attr("to", (long)_type));
        return _g.Op("Mul", [typed, _g.AddInitializer(Store.Create(weightName, raw.Shape, raw.Values))]);
    }
}
