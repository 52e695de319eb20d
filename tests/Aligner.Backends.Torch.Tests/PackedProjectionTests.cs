using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests;

/// <summary>
/// q/k/v and gate/up are stored packed and run as one matmul without autograd; with autograd (training) each
/// projection runs on its own. Both paths must give the same logits, also after the parameters change in place.
/// </summary>
public class PackedProjectionTests
{
    public static TheoryData<string> Architectures => new() { "llama", "mistral", "qwen2", "gemma", "gemma2" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Packed_inference_equals_the_per_projection_path(string modelType)
    {
        using var model = TinyModels.Random(modelType, seed: 3);
        var tokens = TinyModels.RandomTokens(9, seed: 5);
        Assert.All(model.Model.Layers, l => Assert.True(l.SelfAttention.RunsPacked && l.Mlp.RunsPacked));
        AssertClose(UnpackedLogits(model, tokens), TinyModels.FullLogits(model, tokens));
    }

    [Fact]
    public void Packed_weights_follow_in_place_parameter_updates()
    {
        using var model = TinyModels.Random("qwen2", seed: 3);
        var tokens = TinyModels.RandomTokens(9, seed: 5);
        var before = TinyModels.FullLogits(model, tokens);
        using (no_grad())
        using (var factor = 1.5.ToScalar())
        using (var shift = 0.25.ToScalar())
        {
            foreach (var layer in model.Model.Layers)
            {
                var k = (Projection)layer.SelfAttention.KProj;
                k.Weight.mul_(factor);
                k.Bias!.add_(shift, TorchScalars.One);
                ((Projection)layer.Mlp.UpProj).Weight.mul_(factor);
            }
        }
        var after = TinyModels.FullLogits(model, tokens);
        Assert.NotEqual(before.Cast<float>(), after.Cast<float>());
        AssertClose(UnpackedLogits(model, tokens), after);
    }

    [Fact]
    public void Packed_projections_are_views_of_one_weight()
    {
        using var model = TinyModels.Random("llama", seed: 3);
        var attention = model.Model.Layers[0].SelfAttention;
        var q = ((Projection)attention.QProj).Weight;
        var k = ((Projection)attention.KProj).Weight;
        var v = ((Projection)attention.VProj).Weight;
        long rowBytes = q.shape[1] * q.ElementSize;
        Assert.Equal(Address(q) + q.shape[0] * rowBytes, Address(k));
        Assert.Equal(Address(k) + k.shape[0] * rowBytes, Address(v));
        Assert.True(q.is_leaf && k.is_leaf && v.is_leaf);
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", model.named_parameters().Select(p => p.name));
    }

    private static unsafe long Address(Tensor t)
    {
        fixed (byte* p = t.bytes) return (long)p;
    }

    // With autograd on, every projection runs on its own (the training path).
    private static float[,] UnpackedLogits(CausalLanguageModel model, int[] tokens)
    {
        using var scope = NewDisposeScope();
        Assert.True(is_grad_enabled());
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length], ScalarType.Int64);
        var logits = model.Forward(ids, null)[0].detach().to(ScalarType.Float32).contiguous();
        var flat = logits.data<float>().ToArray();
        var result = new float[tokens.Length, (int)logits.shape[1]];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    private static void AssertClose(float[,] expected, float[,] actual)
    {
        double max = 0;
        for (int t = 0; t < expected.GetLength(0); t++)
            for (int v = 0; v < expected.GetLength(1); v++)
                max = Math.Max(max, Math.Abs(expected[t, v] - actual[t, v]));
        Assert.True(max < 1e-5, $"max |packed - unpacked| = {max}");
    }
}
