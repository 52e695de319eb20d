using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Training.Tests.Training;

/// <summary>
/// The fused CPU AdamW step (clipping and update in two passes over the memory) against libtorch's own operations:
/// <c>clip_grad_norm_</c> then the tensor-operation step, on parameters of awkward sizes, one of them a row view of a
/// shared weight as packed projections are.
/// </summary>
public sealed class FusedAdamWTests
{
    public FusedAdamWTests() => Aligner.Backends.Torch.TorchRuntime.EnsureInitialized();

    private static (string, Parameter)[] Parameters(int seed, out Tensor packed)
    {
        torch.manual_seed(seed);
        packed = torch.randn(48, 19);
        var rows = packed.narrow(0, 16, 21).detach(); // a view into the middle of another weight's storage
        return
        [
            ("matrix", new Parameter(torch.randn(37, 53))),  // not a multiple of any vector width
            ("rows", new Parameter(rows)),
            ("norm", new Parameter(torch.randn(53))),        // a vector: no weight decay
            ("unused", new Parameter(torch.randn(5, 7))),    // never gets a gradient
        ];
    }

    // Gradients with the same values in both runs: loss = Σ p · r for fixed random r.
    private static void Backward((string Name, Parameter Parameter)[] parameters, int step)
    {
        torch.manual_seed(1000 + step);
        Tensor? loss = null;
        foreach (var (name, p) in parameters)
        {
            if (name == "unused") { torch.randn(p.shape); continue; }
            var r = torch.randn(p.shape) * 3;
            loss = loss is null ? (p * r).sum() : loss + (p * r).sum();
        }
        loss!.backward();
    }

    [Theory]
    [InlineData(1.0, 0.0)]      // clipping on (the gradients' norm is far above 1), no weight decay
    [InlineData(1.0, 0.1)]      // clipping on, weight decay on matrices
    [InlineData(1e6, 0.1)]      // clipping on but never active
    [InlineData(0.0, 0.1)]      // clipping off
    public void The_fused_step_equals_libtorchs_clip_and_step(double maxNorm, double weightDecay)
    {
        var fusedParameters = Parameters(7, out var fusedPacked);
        var tensorParameters = Parameters(7, out var tensorPacked);
        using var fused = new AdamWOptimizer(fusedParameters, 0.9, 0.999, 1e-8, weightDecay);
        using var reference = new AdamWOptimizer(tensorParameters, 0.9, 0.999, 1e-8, weightDecay);
        for (int step = 0; step < 4; step++)
        {
            fused.ZeroGrad();
            Backward(fusedParameters, step);
            fused.Step(1e-2, maxNorm);
            Assert.True(fused.UsedFusedStep);

            reference.ZeroGrad();
            Backward(tensorParameters, step);
            if (maxNorm > 0) torch.nn.utils.clip_grad_norm_(reference.Parameters, maxNorm);
            reference.Step(1e-2);
            Assert.False(reference.UsedFusedStep);
        }
        for (int i = 0; i < fusedParameters.Length; i++)
        {
            var (name, f) = fusedParameters[i];
            var t = tensorParameters[i].Item2;
            double difference = (f - t).abs().max().item<float>();
            double size = t.abs().max().item<float>();
            Assert.True(difference <= 1e-5 * size, $"{name}: max difference {difference} (values up to {size})");
            if (name != "unused") Assert.False(f.allclose(Parameters(7, out _)[i].Item2, 0, 0), name + " did not move");
        }
        // The view wrote through to its weight's rows, and only to them.
        Assert.True(fusedPacked.narrow(0, 16, 21).allclose(fusedParameters[1].Item2));
        Assert.True(fusedPacked.narrow(0, 0, 16).allclose(tensorPacked.narrow(0, 0, 16), 0, 0));
        // The unused parameter did not move.
        Assert.True(fusedParameters[3].Item2.allclose(Parameters(7, out _)[3].Item2, 0, 0));
    }

    [Fact]
    public void Moments_saved_after_fused_steps_resume_to_the_same_next_step()
    {
        using var temp = new TempFolder();
        var a = Parameters(11, out _);
        var b = Parameters(11, out _);
        using var first = new AdamWOptimizer(a, 0.9, 0.999, 1e-8, 0.01);
        for (int step = 0; step < 2; step++)
        {
            first.ZeroGrad();
            Backward(a, step);
            first.Step(1e-3, 1.0);
        }
        string path = Path.Combine(temp.Path, "optimizer.safetensors");
        first.Save(path);
        using (torch.no_grad())
            for (int i = 0; i < a.Length; i++) b[i].Item2.copy_(a[i].Item2);
        using var resumed = new AdamWOptimizer(b, 0.9, 0.999, 1e-8, 0.01);
        resumed.Load(path);

        first.ZeroGrad();
        Backward(a, 2);
        first.Step(1e-3, 1.0);
        resumed.ZeroGrad();
        Backward(b, 2);
        resumed.Step(1e-3, 1.0);
        for (int i = 0; i < a.Length; i++)
            Assert.True(a[i].Item2.allclose(b[i].Item2, 0, 0), a[i].Item1); // bit-identical
    }
}
