using Aligner.Backends.Torch.Loading;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests.Loading;

public sealed class Int8WeightTests(ITestOutputHelper output)
{
    [Fact]
    public void Quantization_is_per_row_symmetric_and_within_half_a_step()
    {
        TorchRuntime.EnsureInitialized();
        using var noGrad = no_grad();
        using var source = new Projection(64, 48, hasBias: true, ScalarType.Float32, CPU);
        source.Weight.normal_(0, 0.05);
        source.Weight[3].mul_(40); // one row with a much larger range: per-row scales keep the others fine-grained
        source.Bias!.normal_(0, 0.1);
        using var q = Int8Projection.Quantize(source);
        Assert.Equal(ScalarType.Int8, q.QuantizedWeight.dtype);
        Assert.Equal(new long[] { 48, 64 }, q.QuantizedWeight.shape);
        using var widened = q.Dequantize(ScalarType.Float32);
        using var error = (widened - source.Weight).abs();
        using var halfStep = q.Scale / 2 + 1e-7;
        Assert.True(error.le(halfStep).all().item<bool>(), "an element is off by more than half a quantization step");
        Assert.True(q.Scale[3].item<float>() > 20 * q.Scale[0].item<float>());
        using var x = randn(5, 64);
        using var expected = nn.functional.linear(x, widened, source.Bias);
        using var actual = q.forward(x);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void An_int8_load_is_close_to_float32_and_half_the_bytes()
    {
        using var folder = new TempFolder();
        using (var source = TinyModels.Random("llama", seed: 4))
        {
            using var noGrad = no_grad();
            foreach (var p in source.parameters()) if (p.dim() == 2) p.mul_(10); // logits large enough to compare
            source.SaveCheckpoint(folder.Path);
        }
        var checkpoint = CheckpointFolder.Open(folder.Path);
        var (full, _, fullPlan) = TorchModelLoader.Load(checkpoint, ScalarType.Float32, CPU);
        var (int8, _, int8Plan) = TorchModelLoader.Load(checkpoint, ScalarType.Float32, CPU, int8Weights: true);
        using (full)
        using (int8)
        {
            Assert.All(int8.Model.Layers, l =>
            {
                Assert.IsType<Int8Projection>(l.SelfAttention.QProj);
                Assert.IsType<Int8Projection>(l.Mlp.DownProj);
            });
            Assert.Contains(int8.named_buffers(), b => b.name == "model.layers.0.self_attn.q_proj.weight_int8");
            int[] tokens = [1, 17, 42, 7, 99, 3, 250, 11];
            var a = TinyModels.FullLogits(full, tokens);
            var b = TinyModels.FullLogits(int8, tokens);
            double worst = 0, range = 0;
            int agree = 0;
            for (int t = 0; t < a.GetLength(0); t++)
            {
                int argA = 0, argB = 0;
                for (int v = 0; v < a.GetLength(1); v++)
                {
                    worst = Math.Max(worst, Math.Abs(a[t, v] - b[t, v]));
                    range = Math.Max(range, Math.Abs(a[t, v]));
                    if (a[t, v] > a[t, argA]) argA = v;
                    if (b[t, v] > b[t, argB]) argB = v;
                }
                if (argA == argB) agree++;
            }
            output.WriteLine($"int8 vs f32: max |logit diff| {worst:F4} of max |logit| {range:F2}; greedy agreement {agree}/{tokens.Length}");
            Assert.True(worst <= 0.03 * range, $"max logit difference {worst} vs logit range {range}");
            Assert.True(agree >= tokens.Length - 1, $"greedy agreement {agree}/{tokens.Length}");
            Assert.True(int8Plan.WeightBytes < fullPlan.WeightBytes);
            // Saving a Hugging Face checkpoint needs plain projections: a typed refusal, not a silent int8 file.
            using var other = new TempFolder();
            Assert.Throws<InvalidOperationException>(() => int8.SaveCheckpoint(other.Path));
        }
    }
}
