using Aligner.Checkpoints;

namespace Aligner.Backends.Onnx.Tests;

/// <summary>Writes tiny random Hugging Face checkpoints (config.json + model.safetensors) of each architecture.</summary>
internal static class TinyCheckpoint
{
    public const int Vocabulary = 96;

    public static DecoderConfig Config(string modelType) => modelType switch
    {
        // GQA (4 query heads over 2 KV heads) everywhere, head_dim 16 (ONNX Runtime's GroupQueryAttention needs a
        // multiple of 16); Gemma with an explicit head_dim unlike hidden/heads.
        "gemma" => DecoderConfig.Create("gemma", 32, 64, 2, 4, 2, Vocabulary, headDim: 16) with { RopeTheta = 10000, RmsNormEps = 1e-6, MaxPositionEmbeddings = 128 },
        "qwen2" => DecoderConfig.Create("qwen2", 64, 64, 2, 4, 2, Vocabulary) with { RopeTheta = 1_000_000, RmsNormEps = 1e-6, MaxPositionEmbeddings = 128, TieWordEmbeddings = true },
        "mistral" => DecoderConfig.Create("mistral", 64, 64, 2, 4, 2, Vocabulary) with { RmsNormEps = 1e-5, MaxPositionEmbeddings = 128, SlidingWindow = 6 },
        "llama" => DecoderConfig.Create("llama", 64, 64, 2, 4, 2, Vocabulary) with { RmsNormEps = 1e-5, MaxPositionEmbeddings = 128, RopeScaling = new RopeScaling(RopeScalingType.Llama3, 8, 1, 4, 32) },
        // Gemma 2 with small soft-caps (so capping changes the numbers), query_pre_attn_scalar unlike head_dim, and a
        // 4-token window on even layers (shorter than the parity test's 12 tokens).
        "gemma2" => DecoderConfig.Create("gemma2", 32, 64, 3, 4, 2, Vocabulary, headDim: 16) with
        {
            RopeTheta = 10000, RmsNormEps = 1e-6, MaxPositionEmbeddings = 128, SlidingWindow = 4, QueryPreAttentionScalar = 32,
            AttentionLogitSoftcapping = 2, FinalLogitSoftcapping = 3,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(modelType)),
    } with { EosTokenIds = [2], BosTokenId = 1 };

    /// <summary>Writes a checkpoint into <paramref name="folder"/> (created if needed) and returns its path.</summary>
    public static string Write(DecoderConfig config, int seed, string folder, Func<string, long[], long[]>? reshape = null, string? omit = null)
    {
        Directory.CreateDirectory(folder);
        config.Save(Path.Combine(folder, "config.json"));
        var random = new Random(seed);
        var writer = new SafeTensorsWriter();
        void Add(string name, long[] shape, float scale, float offset = 0)
        {
            shape = reshape?.Invoke(name, shape) ?? shape;
            var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            for (int i = 0; i < values.Length; i++) values[i] = offset + scale * (float)(random.NextDouble() * 2 - 1);
            if (name != omit) writer.Add(name, values, shape);
        }
        int h = config.HiddenSize, ff = config.IntermediateSize, hd = config.HeadDim;
        int q = config.NumAttentionHeads * hd, kv = config.NumKeyValueHeads * hd;
        float normOffset = config.NormAddsUnitOffset ? 0f : 1f;
        Add("model.embed_tokens.weight", [config.VocabSize, h], 1f);
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.";
            Add(p + "input_layernorm.weight", [h], 0.2f, normOffset);
            Add(p + "post_attention_layernorm.weight", [h], 0.2f, normOffset);
            if (config.HasSandwichNorms)
            {
                Add(p + "pre_feedforward_layernorm.weight", [h], 0.2f, normOffset);
                Add(p + "post_feedforward_layernorm.weight", [h], 0.2f, normOffset);
            }
            Add(p + "self_attn.q_proj.weight", [q, h], 0.3f);
            Add(p + "self_attn.k_proj.weight", [kv, h], 0.3f);
            Add(p + "self_attn.v_proj.weight", [kv, h], 0.3f);
            Add(p + "self_attn.o_proj.weight", [h, q], 0.3f);
            if (config.HasQkvBias)
            {
                Add(p + "self_attn.q_proj.bias", [q], 0.1f);
                Add(p + "self_attn.k_proj.bias", [kv], 0.1f);
                Add(p + "self_attn.v_proj.bias", [kv], 0.1f);
            }
            if (config.HasOutputBias) Add(p + "self_attn.o_proj.bias", [h], 0.1f);
            Add(p + "mlp.gate_proj.weight", [ff, h], 0.3f);
            Add(p + "mlp.up_proj.weight", [ff, h], 0.3f);
            Add(p + "mlp.down_proj.weight", [h, ff], 0.3f);
        }
        Add("model.norm.weight", [h], 0.2f, normOffset);
        if (!config.TieWordEmbeddings) Add("lm_head.weight", [config.VocabSize, h], 0.3f);
        writer.Save(Path.Combine(folder, "model.safetensors"));
        return folder;
    }
}
