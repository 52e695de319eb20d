using BenchmarkDotNet.Attributes;
using Aligner.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Benchmarks.Suites;

/// <summary>
/// One optimizer step (gradient clipping + AdamW) over the parameters of the side-by-side harness's 134.5 M-parameter
/// Llama (hidden 576, 30 layers, FFN 1536, vocabulary 49152; float32 on the CPU): the fused step against libtorch's
/// <c>clip_grad_norm_</c> followed by the tensor-operation step. Memory traffic bounds both: the fused step reads
/// parameter, gradient and both moments once for the norm and once for the update; the tensor path makes about a dozen
/// passes. Run: <c>dotnet run -c Release --project benchmarks/Aligner.Benchmarks -- --filter *AdamWBenchmarks* --job short</c>.
/// </summary>
public class AdamWBenchmarks
{
    private (string Name, Parameter Parameter)[] _parameters = [];
    private AdamWOptimizer? _optimizer;

    /// <summary>Fused (the CPU trainer's path) or libtorch's operations.</summary>
    [Params(true, false)]
    public bool Fused { get; set; }

    /// <summary>Builds the parameters and gives each a gradient (kept: a step does not clear it).</summary>
    [GlobalSetup]
    public void Setup()
    {
        Aligner.Backends.Torch.TorchRuntime.EnsureInitialized();
        torch.manual_seed(1);
        var shapes = new List<long[]> { new long[] { 49152, 576 } };
        for (int layer = 0; layer < 30; layer++)
            shapes.AddRange([[576, 576], [192, 576], [192, 576], [576, 576], [1536, 576], [1536, 576], [576, 1536], [576], [576]]);
        shapes.Add([576]);
        _parameters = [.. shapes.Select((s, i) => ($"p{i}", new Parameter(torch.randn(s) * 0.02f)))];
        foreach (var (_, p) in _parameters)
        {
            using var r = torch.randn(p.shape);
            using var loss = (p * r).sum();
            loss.backward();
        }
        _optimizer = new AdamWOptimizer(_parameters, 0.9, 0.999, 1e-8, 0.01);
    }

    /// <summary>Frees the optimizer's moments.</summary>
    [GlobalCleanup]
    public void Cleanup() => _optimizer?.Dispose();

    /// <summary>Clip to norm 1 and step.</summary>
    [Benchmark]
    public void Step()
    {
        if (Fused) _optimizer!.Step(1e-5, 1.0);
        else
        {
            torch.nn.utils.clip_grad_norm_(_optimizer!.Parameters, 1.0);
            _optimizer.Step(1e-5);
        }
    }
}
