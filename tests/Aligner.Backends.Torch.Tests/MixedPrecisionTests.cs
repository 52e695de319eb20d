using Aligner.Backends.Torch.Modeling;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests;

/// <summary>Mixed-precision training: float32 master weights, linear layers multiplied in bfloat16 under a scope.</summary>
public sealed class MixedPrecisionTests
{
    private static (Dictionary<string, float[]> Gradients, float Loss) Gradients(CausalLanguageModel model, int[] tokens, ScalarType? compute)
    {
        foreach (var (_, p) in model.named_parameters()) p.grad?.zero_();
        using var scope = NewDisposeScope();
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length], ScalarType.Int64);
        Tensor loss;
        using (MixedPrecision.Scope(compute))
        {
            var logits = model.Forward(ids, null);
            loss = nn.functional.cross_entropy(logits[0, ..^1].to(ScalarType.Float32), ids[0, 1..], reduction: nn.Reduction.Mean);
        }
        loss.backward();
        var gradients = model.named_parameters().Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.to(ScalarType.Float32).data<float>().ToArray());
        Assert.All(model.named_parameters(), p =>
        {
            Assert.Equal(ScalarType.Float32, p.parameter.dtype);
            if (p.parameter.grad is { } g) Assert.Equal(ScalarType.Float32, g.dtype);
        });
        return (gradients, loss.item<float>());
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gemma2")]
    public void Under_a_bf16_scope_gradients_reach_the_float32_weights_close_to_the_float32_ones(string modelType)
    {
        using var model = TinyModels.Random(modelType, seed: 5);
        var tokens = TinyModels.RandomTokens(12, seed: 3);
        var (exact, exactLoss) = Gradients(model, tokens, null);
        var (mixed, mixedLoss) = Gradients(model, tokens, ScalarType.BFloat16);

        Assert.Equal(exact.Keys.Order(), mixed.Keys.Order());
        double worst = 0;
        bool differs = false;
        foreach (var (name, g) in exact)
        {
            var m = mixed[name];
            double norm = Math.Sqrt(g.Sum(v => (double)v * v)), diff = Math.Sqrt(g.Zip(m, (a, b) => (double)(a - b) * (a - b)).Sum());
            differs |= diff > 0;
            if (norm > 1e-6) worst = Math.Max(worst, diff / norm);
        }
        Assert.True(differs, "bf16 products gave bit-identical gradients: the scope changed nothing");
        Assert.True(worst < 0.05, $"a parameter's gradient moved by {worst:P1} of its norm");
        Assert.True(Math.Abs(mixedLoss - exactLoss) < 0.01 * Math.Abs(exactLoss), $"loss {mixedLoss} vs {exactLoss}");
    }

    [Fact]
    public void The_scope_leaves_inference_and_other_threads_alone_and_refuses_integer_types()
    {
        using var model = TinyModels.Random("qwen2", seed: 2);
        var tokens = TinyModels.RandomTokens(8, seed: 1);
        var reference = TinyModels.FullLogits(model, tokens);
        float[,] inside;
        float[,]? onOtherThread = null;
        using (MixedPrecision.Scope(ScalarType.BFloat16))
        {
            inside = TinyModels.FullLogits(model, tokens); // no autograd: unchanged
            var thread = new Thread(() => { using var _ = no_grad(); onOtherThread = TinyModels.FullLogits(model, tokens); });
            thread.Start();
            thread.Join();
        }
        Assert.Equal(reference, inside);
        Assert.Equal(reference, onOtherThread);
        Assert.Throws<ArgumentException>(() => MixedPrecision.Scope(ScalarType.Int8));
    }
}
