using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests;

public class CheckpointRoundTripTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("mistral")]
    [InlineData("qwen2")]
    [InlineData("gemma")]
    [InlineData("gemma2")]
    public void Saved_checkpoint_uses_hf_names_and_loads_back_identically(string modelType)
    {
        using var folder = new TempFolder();
        using var model = TinyModels.Random(modelType, seed: 11);
        model.SaveCheckpoint(folder.Path);

        using (var weights = CheckpointWeights.Open(folder.Path))
        {
            Assert.Contains("model.embed_tokens.weight", weights.Names);
            Assert.Contains("model.layers.1.self_attn.q_proj.weight", weights.Names);
            Assert.Contains("model.layers.0.mlp.down_proj.weight", weights.Names);
            Assert.Contains("model.layers.0.post_attention_layernorm.weight", weights.Names);
            Assert.Contains("model.norm.weight", weights.Names);
            Assert.Equal(!model.Config.TieWordEmbeddings, weights.Contains("lm_head.weight"));
            Assert.Equal(modelType == "qwen2", weights.Contains("model.layers.0.self_attn.q_proj.bias"));
            Assert.False(weights.Contains("model.layers.0.self_attn.o_proj.bias"));
            Assert.Equal("pt", weights.Files[0].Metadata["format"]);
        }

        var config = DecoderConfig.Load(folder.File("config.json"));
        Assert.Equal(model.Config with { TorchDtype = "float32" }, config);
        using var loaded = CausalLanguageModel.Load(folder.Path);
        var tokens = TinyModels.RandomTokens(9, seed: 5);
        var a = TinyModels.FullLogits(model, tokens);
        var b = TinyModels.FullLogits(loaded, tokens);
        Assert.Equal(a.Cast<float>(), b.Cast<float>());
    }

    [Fact]
    public void Bf16_checkpoint_loads_into_float32_with_bf16_values()
    {
        using var folder = new TempFolder();
        using var model = TinyModels.Random("llama", seed: 3);
        model.SaveCheckpoint(folder.Path, ScalarType.BFloat16);
        using (var weights = CheckpointWeights.Open(folder.Path))
            Assert.Equal(SafeTensorDType.BF16, weights.GetInfo("model.norm.weight").DType);
        using var loaded = CausalLanguageModel.Load(folder.Path, ScalarType.Float32);
        using var expected = model.Model.EmbedTokens.Weight.to(ScalarType.BFloat16).to(ScalarType.Float32);
        Assert.True(expected.allclose(loaded.Model.EmbedTokens.Weight, 0, 0));
        Assert.False(model.Model.EmbedTokens.Weight.allclose(loaded.Model.EmbedTokens.Weight, 0, 0));
    }

    [Fact]
    public void Out_of_vocabulary_ids_are_argument_errors_not_native_failures()
    {
        using var model = TinyModels.Random("llama", seed: 1);
        using var ids = tensor(new long[] { 1, 2, 256 }, [1, 3], ScalarType.Int64);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(ids, null));
        using var session = new TorchDecoderSession(model, 1, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill([1, -1], [1, 1], 2, new float[256]));
    }

    [Fact]
    public void Random_init_is_reproducible_from_the_seed()
    {
        using var a = TinyModels.Random("qwen2", seed: 42);
        using var b = TinyModels.Random("qwen2", seed: 42);
        using var c = TinyModels.Random("qwen2", seed: 43);
        Assert.True(a.Model.Layers[1].SelfAttention.QProj.parameters().First().allclose(b.Model.Layers[1].SelfAttention.QProj.parameters().First(), 0, 0));
        Assert.False(a.Model.EmbedTokens.Weight.allclose(c.Model.EmbedTokens.Weight, 0, 0));
        double std = a.Model.EmbedTokens.Weight.std().item<float>();
        Assert.InRange(std, 0.018, 0.022);
        Assert.Equal(0f, a.Model.Layers[0].SelfAttention.QProj.named_parameters().Single(p => p.name == "bias").parameter.abs().sum().item<float>());
    }
}
