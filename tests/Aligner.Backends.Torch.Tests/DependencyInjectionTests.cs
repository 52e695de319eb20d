using Microsoft.Extensions.DependencyInjection;

namespace Aligner.Backends.Torch.Tests;

public class DependencyInjectionTests(TinyCheckpointFixture fixture) : IClassFixture<TinyCheckpointFixture>
{
    [Fact]
    public async Task AddTorchBackend_gives_corrections_through_IAligner()
    {
        var services = new ServiceCollection();
        services.AddAligner(o => o.Generation = GenerationOptions.Greedy with { MaxNewTokens = 8 })
                .AddTorchBackend(fixture.Folder, o => o.CpuThreads = 1);
        await using var provider = services.BuildServiceProvider();
        var model = provider.GetRequiredService<ICorrectionModel>();
        Assert.Equal("torch", model.Info.Backend);
        var aligner = provider.GetRequiredService<IAligner>();
        var result = await aligner.CorrectAsync(new CorrectionRequest("What is 2+2?", "5"));
        Assert.Equal("What is 2+2?", result.Question);
        Assert.True(result.IsFallback || result.GeneratedTokens > 0, $"{result.FallbackReason}: {result.FallbackDetail}");
        Assert.NotEqual(FallbackReason.BackendError, result.FallbackReason);
    }

    [Fact]
    public void Invalid_options_fail_at_registration()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentException>(() => services.AddAligner().AddTorchBackend(fixture.Folder, o => o.CpuThreads = 0));
        Assert.Throws<ArgumentException>(() => services.AddAligner().AddTorchBackend(fixture.Folder, o => o.DType = TorchSharp.torch.ScalarType.Int32));
    }
}
