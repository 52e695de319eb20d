using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests;

/// <summary>Tiny configurations of every supported architecture, and helpers to build and run them.</summary>
internal static class TinyModels
{
    public static readonly string[] ModelTypes = ["llama", "mistral", "qwen2", "gemma", "gemma2"];

    public static DecoderConfig Config(string modelType) => modelType switch
    {
        "llama" => DecoderConfig.Create("llama", 32, 48, 2, 4, 2, 256) with
        {
            RopeScaling = new RopeScaling(RopeScalingType.Llama3, 8, 1, 4, 16), MaxPositionEmbeddings = 128, EosTokenIds = [2], BosTokenId = 1,
        },
        "mistral" => DecoderConfig.Create("mistral", 32, 48, 2, 4, 1, 256) with { SlidingWindow = 5, MaxPositionEmbeddings = 128, EosTokenIds = [2] },
        "qwen2" => DecoderConfig.Create("qwen2", 32, 48, 2, 4, 2, 256) with { TieWordEmbeddings = true, MaxPositionEmbeddings = 128, EosTokenIds = [2] },
        "gemma" => DecoderConfig.Create("gemma", 32, 48, 2, 2, 1, 256, headDim: 24) with { MaxPositionEmbeddings = 128, EosTokenIds = [2] },
        "gemma2" => DecoderConfig.Create("gemma2", 32, 48, 3, 2, 1, 256, headDim: 16) with
        {
            SlidingWindow = 4, QueryPreAttentionScalar = 32, AttentionLogitSoftcapping = 2, FinalLogitSoftcapping = 3, MaxPositionEmbeddings = 128, EosTokenIds = [1],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(modelType)),
    };

    public static CausalLanguageModel Random(string modelType, long seed = 1)
    {
        TorchRuntime.EnsureInitialized();
        return CausalLanguageModel.CreateRandom(Config(modelType), seed);
    }

    /// <summary>Full-sequence logits as a managed array <c>[T, V]</c> for one row.</summary>
    public static float[,] FullLogits(CausalLanguageModel model, int[] tokens)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length], ScalarType.Int64);
        var logits = model.Forward(ids, null)[0].to(ScalarType.Float32).contiguous();
        var flat = logits.data<float>().ToArray();
        int vocab = (int)logits.shape[1];
        var result = new float[tokens.Length, vocab];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    public static int[] RandomTokens(int length, int seed, int vocab = 256)
    {
        var r = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => r.Next(3, vocab))];
    }
}
