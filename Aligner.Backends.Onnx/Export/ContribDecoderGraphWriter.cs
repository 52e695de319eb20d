using Aligner.Backends.Onnx.Protobuf;
using Aligner.Checkpoints;
using static Aligner.Backends.Onnx.Export.OnnxGraphBuilder;
using DataType = Aligner.Backends.Onnx.Protobuf.TensorProto.Types.DataType;

namespace Aligner.Backends.Onnx.Export;

/// <summary>
/// Writes a Llama-family decoder with ONNX Runtime's contrib operators, as ONNX Runtime GenAI's model builder does for
/// the CPU: <c>GroupQueryAttention</c> over packed q/k/v with rotary embeddings inside (cos/sin caches) and a KV cache
/// that can share one buffer between past and present; <c>SkipSimplifiedLayerNormalization</c> (residual add and
/// RMSNorm in one node); packed gate/up projections; the LM head on the last position only. About 10 nodes per layer
/// instead of ~58.
/// </summary>
/// <remarks>
/// Inputs: <c>input_ids</c> [batch, seq], <c>attention_mask</c> [batch, total] and the past KV pairs. The operator
/// takes each row's length from the mask (its sum) and places row <c>b</c>'s tokens at cache positions
/// 0..length−1: prompts are right-padded, not left-padded, and a batch's new tokens go at each row's own length.
/// Logits are [batch, 1, vocab]: the last position's.
/// </remarks>
internal sealed class ContribDecoderGraphWriter : DecoderGraphWriterBase
{
    /// <summary>Opset of the default domain (com.microsoft is imported at version 1).</summary>
    public const int Opset = 17;

    /// <summary>The metadata key and value that mark this graph's cache contract for the runtime.</summary>
    public const string AttentionMetadataKey = "aligner.attention";
    public const string AttentionMetadataValue = "GroupQueryAttention";

    private ContribDecoderGraphWriter(DecoderConfig config, Func<string, CheckpointTensor> read, InitializerStore store, string checkpointPath, LinearQuantization? quantization)
        : base(config, read, store, checkpointPath, quantization)
    {
    }

    /// <summary>Builds the model. <paramref name="read"/> returns a checkpoint tensor by its Hugging Face name.</summary>
    public static ModelProto Write(DecoderConfig config, Func<string, CheckpointTensor> read, InitializerStore store,
        string checkpointPath, IReadOnlyDictionary<string, string> metadata, LinearQuantization? quantization = null) =>
        new ContribDecoderGraphWriter(config, read, store, checkpointPath, quantization).Build(metadata);

    private ModelProto Build(IReadOnlyDictionary<string, string> metadata)
    {
        var s = _config;
        string inputIds = _g.AddInput(InputIds, DataType.Int64, Batch, Sequence);
        string mask = _g.AddInput(AttentionMask, DataType.Int64, Batch, TotalSequence);
        AddPastInputs();

        var (embedding, hidden) = Embed(inputIds);

        // GroupQueryAttention's lengths: seqlens_k = (real tokens per row) − 1, total = the mask's width, both int32.
        string realTokens = _g.Op("ReduceSum", [mask, _g.Int64([1])], Attr("keepdims", 0L));
        string seqlens = _g.Op("Cast", [_g.Op("Sub", [realTokens, _g.Int64([1], scalar: true)])], Attr("to", (long)DataType.Int32));
        string width = _g.Op("Gather", [_g.Op("Shape", [mask]), _g.Int64([1], scalar: true)], Attr("axis", 0L));
        string total = _g.Op("Cast", [width], Attr("to", (long)DataType.Int32));
        var (cos, sin) = RotaryCaches();

        string residual = hidden;
        string normed = Norm(hidden, "model.layers.0.input_layernorm.weight");
        for (int i = 0; i < s.NumHiddenLayers; i++)
        {
            string prefix = $"model.layers.{i}.";
            string attention = Attention(normed, i, prefix + "self_attn.", seqlens, total, cos, sin);
            if (s.HasSandwichNorms)
            {
                // Gemma 2: x + post_attention_layernorm(attn), then pre_feedforward_layernorm; the MLP's output is normed too.
                attention = Norm(attention, prefix + "post_attention_layernorm.weight");
                (normed, residual) = SkipNorm(attention, residual, prefix + "pre_feedforward_layernorm.weight");
            }
            else
            {
                (normed, residual) = SkipNorm(attention, residual, prefix + "post_attention_layernorm.weight");
            }
            string mlp = Mlp(normed, prefix + "mlp.");
            if (s.HasSandwichNorms) mlp = Norm(mlp, prefix + "post_feedforward_layernorm.weight");
            string next = i + 1 < s.NumHiddenLayers ? $"model.layers.{i + 1}.input_layernorm.weight" : "model.norm.weight";
            (normed, residual) = SkipNorm(mlp, residual, next);
        }

        // Only the last position's logits: prefill would otherwise spend a vocabulary-sized product per prompt token.
        string last = _g.Op("Slice", [normed, _g.Int64([-1]), _g.Int64([long.MaxValue]), _g.Int64([1])]);
        LmHead(last, embedding, onePosition: true);
        _g.AddOutput(Logits, DataType.Float, Batch, 1L, (long)s.VocabSize);
        AddPresentOutputs();
        var withAttention = new Dictionary<string, string>(metadata) { [AttentionMetadataKey] = AttentionMetadataValue };
        return _g.Build(Opset, withAttention);
    }

    /// <summary>cos and sin of position × inverse frequency, [max_position_embeddings, head_dim / 2], in float32 arithmetic as Hugging Face computes them.</summary>
    private (string Cos, string Sin) RotaryCaches()
    {
        float[] inverse = [.. RotaryFrequencies.Compute(_config).Select(f => (float)f)];
        int positions = _config.MaxPositionEmbeddings, half = inverse.Length;
        var cos = new float[(long)positions * half];
        var sin = new float[(long)positions * half];
        for (int p = 0; p < positions; p++)
            for (int j = 0; j < half; j++)
            {
                float angle = p * inverse[j];
                cos[(long)p * half + j] = MathF.Cos(angle);
                sin[(long)p * half + j] = MathF.Sin(angle);
            }
        return (_g.AddInitializer(Store.Create("cos_cache", [positions, half], cos)),
                _g.AddInitializer(Store.Create("sin_cache", [positions, half], sin)));
    }

    private string Attention(string x, int layer, string prefix, string seqlens, string total, string cos, string sin)
    {
        var s = _config;
        int q = s.NumAttentionHeads * s.HeadDim, kv = s.NumKeyValueHeads * s.HeadDim;
        var packed = new float[(long)(q + 2 * kv) * s.HiddenSize];
        ReadChecked(prefix + "q_proj.weight", q, s.HiddenSize).Values.CopyTo(packed, 0);
        ReadChecked(prefix + "k_proj.weight", kv, s.HiddenSize).Values.CopyTo(packed, (long)q * s.HiddenSize);
        ReadChecked(prefix + "v_proj.weight", kv, s.HiddenSize).Values.CopyTo(packed, (long)(q + kv) * s.HiddenSize);
        string[] biases = s.HasQkvBias ? [prefix + "q_proj.bias", prefix + "k_proj.bias", prefix + "v_proj.bias"] : [];
        string qkv = Projection(x, prefix + "qkv_proj.weight", packed, q + 2 * kv, s.HiddenSize, biases, [q, kv, kv]);

        var attributes = new List<AttributeProto>
        {
            Attr("num_heads", (long)s.NumAttentionHeads),
            Attr("kv_num_heads", (long)s.NumKeyValueHeads),
            Attr("do_rotary", 1L),
            Attr("rotary_interleaved", 0L),
            Attr("scale", (float)(1.0 / Math.Sqrt(s.QueryPreAttentionScalar ?? s.HeadDim))),
        };
        // Hugging Face's window W lets a query see itself and the W − 1 keys before it, as the operator's window does.
        if (s.SlidingWindowOfLayer(layer) is { } window && window < s.MaxPositionEmbeddings)
            attributes.Add(Attr("local_window_size", (long)window));
        if (s.AttentionLogitSoftcapping is { } cap) attributes.Add(Attr("softcap", (float)cap));
        var outputs = _g.Node(MicrosoftDomain, "GroupQueryAttention",
            [qkv, "", "", PastKey(layer), PastValue(layer), seqlens, total, cos, sin],
            [null, PresentKey(layer), PresentValue(layer)], [.. attributes]);
        return Linear(outputs[0], prefix + "o_proj", s.HiddenSize, q, s.HasOutputBias);
    }

    private string Mlp(string x, string prefix)
    {
        var s = _config;
        int f = s.IntermediateSize;
        var packed = new float[2L * f * s.HiddenSize];
        ReadChecked(prefix + "gate_proj.weight", f, s.HiddenSize).Values.CopyTo(packed, 0);
        ReadChecked(prefix + "up_proj.weight", f, s.HiddenSize).Values.CopyTo(packed, (long)f * s.HiddenSize);
        string[] biases = s.HasMlpBias ? [prefix + "gate_proj.bias", prefix + "up_proj.bias"] : [];
        string gateUp = Projection(x, prefix + "gate_up_proj.weight", packed, 2 * f, s.HiddenSize, biases, [f, f]);
        var halves = _g.OpMulti("Split", [gateUp, _g.Int64([f, f])], 2, Attr("axis", -1L));
        return Linear(_g.Op("Mul", [Activate(halves[0]), halves[1]]), prefix + "down_proj", s.HiddenSize, f, s.HasMlpBias);
    }

    /// <summary>RMSNorm as ONNX Runtime's <c>SimplifiedLayerNormalization</c> (float32 statistics).</summary>
    private string Norm(string x, string weightName) =>
        _g.Op("SimplifiedLayerNormalization", [x, NormWeight(weightName)],
            Attr("axis", -1L), Attr("epsilon", (float)_config.RmsNormEps), Attr("stash_type", 1L));

    /// <summary><c>SkipSimplifiedLayerNormalization</c>: (RMSNorm(x + residual), x + residual).</summary>
    private (string Normed, string Sum) SkipNorm(string x, string residual, string weightName)
    {
        var outputs = _g.Node(MicrosoftDomain, "SkipSimplifiedLayerNormalization", [x, residual, NormWeight(weightName)],
            [null, "", "", null], Attr("epsilon", (float)_config.RmsNormEps));
        return (outputs[0], outputs[3]);
    }

    /// <summary>The norm's weight; Gemma's norms multiply by (1 + weight), folded in here.</summary>
    private string NormWeight(string name)
    {
        var raw = ReadChecked(name, _config.HiddenSize);
        var values = raw.Values;
        if (_config.NormAddsUnitOffset) values = [.. values.Select(v => 1f + v)];
        return _g.AddInitializer(Store.Create(name, raw.Shape, values));
    }
}
