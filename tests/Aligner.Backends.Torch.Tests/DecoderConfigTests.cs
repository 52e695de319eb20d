using Aligner.Checkpoints;

namespace Aligner.Backends.Torch.Tests;

public class DecoderConfigTests
{
    private const string Llama = """
        {"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,
         "vocab_size":100,"max_position_embeddings":512,"rms_norm_eps":1e-5,"rope_theta":500000.0,
         "rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":64},
         "eos_token_id":[5,6],"bos_token_id":1,"tie_word_embeddings":true,"hidden_act":"silu"}
        """;

    [Fact]
    public void Reads_hf_fields_and_defaults()
    {
        var c = DecoderConfig.Parse(Llama, "config.json");
        Assert.Equal(4, c.NumKeyValueHeads);
        Assert.Equal(16, c.HeadDim);
        Assert.Equal([5, 6], c.EosTokenIds);
        Assert.Equal(new RopeScaling(RopeScalingType.Llama3, 8, 1, 4, 64), c.RopeScaling);
        Assert.True(c.TieWordEmbeddings);
        var roundTrip = DecoderConfig.Parse(c.ToJson(), "config.json");
        Assert.Equal(c.ToJson(), roundTrip.ToJson());

        var gemma = DecoderConfig.Parse("""{"model_type":"gemma","hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":1,"vocab_size":100}""", "config.json");
        Assert.Equal(256, gemma.HeadDim);
        Assert.True(gemma.TieWordEmbeddings);
        Assert.Equal(HiddenActivation.GeluTanh, gemma.HiddenActivation);
        var qwen = DecoderConfig.Parse("""{"model_type":"qwen2","hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":100,"use_sliding_window":false,"sliding_window":32}""", "config.json");
        Assert.True(qwen.HasQkvBias);
        Assert.False(qwen.HasOutputBias);
        Assert.Null(qwen.SlidingWindowOfLayer(0));
        var mistral = DecoderConfig.Parse("""{"model_type":"mistral","hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":100}""", "config.json");
        Assert.Equal(4096, mistral.SlidingWindowOfLayer(0));
        var gemma2 = DecoderConfig.Parse("""{"model_type":"gemma2","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":100}""", "config.json");
        Assert.Equal((256, 256.0, 50.0, 30.0), (gemma2.HeadDim, gemma2.QueryPreAttentionScalar, gemma2.AttentionLogitSoftcapping, gemma2.FinalLogitSoftcapping));
        Assert.Equal((4096, (int?)null), (gemma2.SlidingWindowOfLayer(0), gemma2.SlidingWindowOfLayer(1)));
        Assert.True(gemma2.HasSandwichNorms && gemma2.TieWordEmbeddings);
        var uncapped = DecoderConfig.Parse("""{"model_type":"gemma2","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,"attn_logit_softcapping":null,"final_logit_softcapping":null,"layer_types":["full_attention","sliding_attention"]}""", "config.json");
        Assert.Null(uncapped.AttentionLogitSoftcapping);
        Assert.Null(uncapped.FinalLogitSoftcapping);
        Assert.Equal(((int?)null, 4096), (uncapped.SlidingWindowOfLayer(0), uncapped.SlidingWindowOfLayer(1)));
        Assert.Equal(uncapped.ToJson(), DecoderConfig.Parse(uncapped.ToJson(), "config.json").ToJson());
    }

    [Theory]
    [InlineData("\"model_type\":\"llama\"", "\"model_type\":\"gpt_neox\"", "model_type", true)]
    [InlineData("\"rope_type\":\"llama3\"", "\"rope_type\":\"dynamic\"", "rope_scaling.rope_type", true)]
    [InlineData("\"hidden_act\":\"silu\"", "\"hidden_act\":\"relu2\"", "hidden_act", true)]
    [InlineData("\"hidden_size\":64,", "", "hidden_size", false)]
    [InlineData("\"num_attention_heads\":4", "\"num_attention_heads\":4,\"num_key_value_heads\":3", "num_key_value_heads", false)]
    [InlineData("\"vocab_size\":100", "\"vocab_size\":\"100\"", "vocab_size", false)]
    [InlineData("\"eos_token_id\":[5,6]", "\"eos_token_id\":[5,600]", "eos_token_id", false)]
    [InlineData("\"factor\":8.0,", "", "rope_scaling.factor", false)]
    public void Invalid_or_unsupported_fields_are_named(string find, string replace, string field, bool notSupported)
    {
        var json = Llama.Replace(find, replace);
        Assert.NotEqual(Llama, json);
        var e = Assert.ThrowsAny<ModelFormatException>(() => DecoderConfig.Parse(json, "/m/config.json"));
        Assert.Equal(field, e.Field);
        Assert.Equal("/m/config.json", e.FilePath);
        Assert.Equal(notSupported, e is NotSupportedModelException);
    }

    [Fact]
    public void Reads_transformers5_rope_parameters()
    {
        var json = Llama.Replace("\"rope_theta\":500000.0,", "").Replace("\"rope_scaling\"", "\"rope_parameters\"").Replace("\"rope_type\":\"llama3\"", "\"rope_type\":\"llama3\",\"rope_theta\":250000.0");
        var c = DecoderConfig.Parse(json, "config.json");
        Assert.Equal(250000.0, c.RopeTheta);
        Assert.Equal(RopeScalingType.Llama3, c.RopeScaling!.Type);
        var plain = DecoderConfig.Parse(Llama.Replace("\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":64}", "\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":1000.0}"), "config.json");
        Assert.Equal(1000.0, plain.RopeTheta);
        Assert.Null(plain.RopeScaling);
        var yarn = Llama.Replace("\"rope_scaling\"", "\"rope_parameters\"").Replace("\"rope_type\":\"llama3\"", "\"rope_type\":\"yarn\"");
        Assert.Equal("rope_parameters.rope_type", Assert.Throws<NotSupportedModelException>(() => DecoderConfig.Parse(yarn, "config.json")).Field);
    }

    [Fact]
    public void Generation_config_reads_eos_as_int_or_list()
    {
        Assert.Equal([7], GenerationConfig.Parse("""{"eos_token_id":7}""", "g.json").EosTokenIds);
        Assert.Equal([7, 8], GenerationConfig.Parse("""{"eos_token_id":[7,8],"do_sample":true}""", "g.json").EosTokenIds);
        Assert.Equal("eos_token_id", Assert.Throws<ModelFormatException>(() => GenerationConfig.Parse("""{"eos_token_id":"x"}""", "g.json")).Field);
    }

    [Fact]
    public void Rope_frequencies_follow_the_llama3_bands()
    {
        var c = DecoderConfig.Parse(Llama, "config.json");
        var scaled = RotaryFrequencies.Compute(c);
        var plain = RotaryFrequencies.Compute(c with { RopeScaling = null });
        for (int i = 0; i < plain.Length; i++)
        {
            double wavelength = 2 * Math.PI / plain[i];
            if (wavelength < 16) Assert.Equal(plain[i], scaled[i]);           // high frequency: unchanged
            else if (wavelength > 64) Assert.Equal(plain[i] / 8, scaled[i], 12); // low frequency: divided by the factor
            else Assert.InRange(scaled[i], plain[i] / 8, plain[i]);           // medium: interpolated
        }
    }
}
