using Aligner.Backends.Torch.Modeling;

namespace Aligner.Backends.Torch.Tests;

public class KvCacheTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("mistral")]
    [InlineData("qwen2")]
    [InlineData("gemma")]
    [InlineData("gemma2")]
    public void Cached_decoding_equals_full_recomputation(string modelType)
    {
        using var model = TinyModels.Random(modelType, seed: 7);
        var tokens = TinyModels.RandomTokens(14, seed: 3);
        var full = TinyModels.FullLogits(model, tokens);
        int vocab = model.Config.VocabSize, prompt = 5;
        using var session = new TorchDecoderSession(model, 1, tokens.Length);
        var logits = new float[vocab];
        session.Prefill(tokens.AsSpan(0, prompt), Enumerable.Repeat(1, prompt).ToArray(), prompt, logits);
        double maxDiff = MaxDiff(full, prompt - 1, logits);
        for (int t = prompt; t < tokens.Length; t++)
        {
            session.Step(tokens.AsSpan(t, 1), logits);
            maxDiff = Math.Max(maxDiff, MaxDiff(full, t, logits));
        }
        Assert.True(maxDiff < 1e-4, $"max |cached - full| = {maxDiff}");
    }

    internal static double MaxDiff(float[,] full, int row, float[] logits)
    {
        double max = 0;
        for (int v = 0; v < logits.Length; v++) max = Math.Max(max, Math.Abs(full[row, v] - logits[v]));
        return max;
    }
}
