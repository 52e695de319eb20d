using Aligner.Checkpoints;
using Aligner.Gguf;

namespace Aligner.LlamaCpp.Tests;

/// <summary>What the exporter writes, read back with <see cref="GgufFile"/> and compared with the checkpoint.</summary>
public sealed class GgufExportTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "aligner-gguf-" + Guid.NewGuid().ToString("N"));

    public GgufExportTests() => Directory.CreateDirectory(_output);

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public void Llama_export_writes_the_metadata_llama_cpp_reads()
    {
        using var checkpoint = TinyCheckpoint.Llama();
        var gguf = GgufExporter.Export(checkpoint.Path, Path.Combine(_output, "m.gguf"));
        Assert.Equal("llama", gguf.Architecture);
        Assert.Equal(3u, gguf.Version);
        Assert.Equal(64L, gguf.Require("llama.embedding_length").AsInteger());
        Assert.Equal(2L, gguf.Require("llama.block_count").AsInteger());
        Assert.Equal(4L, gguf.Require("llama.attention.head_count").AsInteger());
        Assert.Equal(2L, gguf.Require("llama.attention.head_count_kv").AsInteger());
        Assert.Equal(16L, gguf.Require("llama.rope.dimension_count").AsInteger());
        Assert.Equal(1e-5, gguf.Require("llama.attention.layer_norm_rms_epsilon").AsDouble(), 9);
        Assert.Equal(GgufValueType.UInt32, gguf.Require("general.file_type").Type);
        Assert.Equal("llama", gguf.Require("tokenizer.ggml.model").AsString());
        var tokens = gguf.Require("tokenizer.ggml.tokens").AsArray<string>();
        var types = gguf.Require("tokenizer.ggml.token_type").AsArray<int>();
        var scores = gguf.Require("tokenizer.ggml.scores").AsArray<float>();
        Assert.Equal(32000, tokens.Length);
        Assert.Equal("▁Hello", tokens[22557]);
        Assert.Equal((int)GgufTokenType.Unknown, types[0]);
        Assert.Equal((int)GgufTokenType.Control, types[1]);
        Assert.Equal((int)GgufTokenType.Byte, types[3 + 0x41]);
        Assert.Equal("<0x41>", tokens[3 + 0x41]);
        Assert.Equal((int)GgufTokenType.Normal, types[22557]);
        Assert.True(scores[22557] < 0);
        Assert.Equal(1L, gguf.Require("tokenizer.ggml.bos_token_id").AsInteger());
        Assert.Equal(2L, gguf.Require("tokenizer.ggml.eos_token_id").AsInteger());
        Assert.True((bool)gguf.Require("tokenizer.ggml.add_bos_token").Value);
        Assert.False(gguf.ContainsTensor("output.weight") && checkpoint.Config.TieWordEmbeddings);
        Assert.Equal(2 + 2 * 9 + 1, gguf.TensorInfos.Count);
    }

    [Fact]
    public void Tensors_round_trip_with_llama_cpp_shapes_and_the_rope_permutation()
    {
        using var checkpoint = TinyCheckpoint.Llama();
        var gguf = GgufExporter.Export(checkpoint.Path, Path.Combine(_output, "m.gguf"));
        using var weights = CheckpointWeights.Open(checkpoint.Path);

        var embedding = gguf.GetTensor("token_embd.weight");
        Assert.Equal([64L, 32000L], embedding.Dimensions);
        Assert.Equal(GgufTensorType.F32, embedding.Type);
        Assert.Equal(weights.ReadSingles("model.embed_tokens.weight"), gguf.ReadTensorSingles("token_embd.weight"));
        Assert.Equal(weights.ReadSingles("model.layers.1.self_attn.v_proj.weight"), gguf.ReadTensorSingles("blk.1.attn_v.weight"));
        Assert.Equal(weights.ReadSingles("lm_head.weight"), gguf.ReadTensorSingles("output.weight"));

        // Row r of head h in Hugging Face's rotate-half layout, r < d/2, pairs with r + d/2; llama.cpp wants them adjacent.
        var q = weights.ReadSingles("model.layers.0.self_attn.q_proj.weight");
        var permuted = gguf.ReadTensorSingles("blk.0.attn_q.weight");
        const int hidden = 64, headDim = 16;
        for (int head = 0; head < 4; head++)
            for (int r = 0; r < headDim / 2; r++)
            {
                Assert.Equal(q.AsSpan((head * headDim + r) * hidden, hidden).ToArray(), permuted.AsSpan((head * headDim + 2 * r) * hidden, hidden).ToArray());
                Assert.Equal(q.AsSpan((head * headDim + r + headDim / 2) * hidden, hidden).ToArray(), permuted.AsSpan((head * headDim + 2 * r + 1) * hidden, hidden).ToArray());
            }
        Assert.Equal([64L, 32L], gguf.GetTensor("blk.0.attn_k.weight").Dimensions);
    }

    [Fact]
    public void F16_export_stores_matrices_as_half_and_norms_as_f32()
    {
        using var checkpoint = TinyCheckpoint.Llama();
        var gguf = GgufExporter.Export(checkpoint.Path, Path.Combine(_output, "m16.gguf"), new GgufExportOptions { WeightType = GgufTensorType.F16 });
        using var weights = CheckpointWeights.Open(checkpoint.Path);
        Assert.Equal(1L, gguf.Require("general.file_type").AsInteger());
        Assert.Equal(GgufTensorType.F16, gguf.GetTensor("blk.0.ffn_up.weight").Type);
        Assert.Equal(GgufTensorType.F32, gguf.GetTensor("blk.0.ffn_norm.weight").Type);
        var original = weights.ReadSingles("model.layers.0.mlp.up_proj.weight");
        var half = gguf.ReadTensorSingles("blk.0.ffn_up.weight");
        for (int i = 0; i < original.Length; i++) Assert.Equal((float)(Half)original[i], half[i]);
    }

    [Fact]
    public void Qwen2_export_keeps_biases_unpermuted_and_writes_a_byte_level_vocabulary()
    {
        using var checkpoint = TinyCheckpoint.Qwen2();
        var gguf = GgufExporter.Export(checkpoint.Path, Path.Combine(_output, "q.gguf"));
        using var weights = CheckpointWeights.Open(checkpoint.Path);
        Assert.Equal("qwen2", gguf.Architecture);
        Assert.Equal("gpt2", gguf.Require("tokenizer.ggml.model").AsString());
        Assert.Equal("qwen2", gguf.Require("tokenizer.ggml.pre").AsString());
        Assert.Contains("Ġ w", gguf.Require("tokenizer.ggml.merges").AsArray<string>());
        Assert.False(gguf.ContainsTensor("output.weight"));
        Assert.Equal(weights.ReadSingles("model.layers.0.self_attn.q_proj.weight"), gguf.ReadTensorSingles("blk.0.attn_q.weight"));
        Assert.Equal(weights.ReadSingles("model.layers.1.self_attn.k_proj.bias"), gguf.ReadTensorSingles("blk.1.attn_k.bias"));
        Assert.Equal((int)GgufTokenType.Control, gguf.Require("tokenizer.ggml.token_type").AsArray<int>()[^1]);
    }

    [Fact]
    public void The_vocabulary_is_the_loaded_tokenizers_and_a_tokenizer_the_backends_cannot_load_is_refused()
    {
        using var checkpoint = TinyCheckpoint.Llama();
        var ours = Aligner.Tokenization.TokenizerLoader.Load(checkpoint.Path);
        var vocabulary = GgufTokenizerVocabulary.Load(checkpoint.Path, checkpoint.Config);
        for (int id = 0; id < ours.VocabularySize; id++) Assert.Equal(ours.IdToToken(id), vocabulary.Tokens[id]);
        Assert.Equal((ours.BosTokenId, ours.EosTokenId, ours.AddsBosToken, ours.AddsEosToken),
            (vocabulary.BosTokenId, vocabulary.EosTokenId, vocabulary.AddBos, vocabulary.AddEos));

        // A Unigram model: the backends cannot tokenize with it, so the exporter does not guess at it either.
        var json = Path.Combine(checkpoint.Path, "tokenizer.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"type\": \"BPE\"", "\"type\": \"Unigram\"", StringComparison.Ordinal));
        var e = Assert.Throws<NotSupportedModelException>(() => GgufExporter.Export(checkpoint.Path, Path.Combine(_output, "u.gguf")));
        Assert.Contains("Unigram", e.Message);
        Assert.False(File.Exists(Path.Combine(_output, "u.gguf")));
    }

    [Fact]
    public void Missing_or_misshapen_tensors_are_named()
    {
        using var checkpoint = TinyCheckpoint.Llama();
        var config = checkpoint.Config with { NumHiddenLayers = 3 };
        config.Save(Path.Combine(checkpoint.Path, "config.json"));
        var missing = Assert.Throws<ModelFormatException>(() => GgufExporter.Export(checkpoint.Path, Path.Combine(_output, "x.gguf")));
        Assert.Equal("model.layers.2.input_layernorm.weight", missing.Field);

        (checkpoint.Config with { IntermediateSize = 128 }).Save(Path.Combine(checkpoint.Path, "config.json"));
        var shape = Assert.Throws<ModelFormatException>(() => GgufExporter.Export(checkpoint.Path, Path.Combine(_output, "x.gguf")));
        Assert.Equal("model.layers.0.mlp.gate_proj.weight", shape.Field);
        Assert.False(File.Exists(Path.Combine(_output, "x.gguf")));
    }

    [Fact]
    public void Llama3_rope_factors_follow_the_reference_formula()
    {
        var config = DecoderConfig.Create("llama", 2048, 8192, 1, 32, 8, 100) with { RopeTheta = 500000 };
        var factors = GgufExporter.Llama3RopeFactors(config, new RopeScaling(RopeScalingType.Llama3, 8, 1, 4, 8192));
        Assert.Equal(32, factors.Length);
        Assert.Equal(1f, factors[0]);
        Assert.Equal(8f, factors[^1]);
        Assert.All(factors, f => Assert.InRange(f, 1f, 8f));
        Assert.True(factors.Zip(factors.Skip(1)).All(p => p.First <= p.Second));
    }
}
