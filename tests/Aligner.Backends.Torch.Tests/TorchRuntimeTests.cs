using Aligner.Backends.Torch;
using TorchSharp;

namespace Aligner.Backends.Torch.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void Torch_runs_after_initialization()
    {
        TorchRuntime.EnsureInitialized();
        TorchRuntime.EnsureInitialized();
        using var a = torch.ones(3, 4);
        using var b = torch.ones(4, 2);
        using var c = a.matmul(b);
        Assert.Equal(new long[] { 3, 2 }, c.shape);
        Assert.Equal(4f, c[1, 1].item<float>());
    }
}
