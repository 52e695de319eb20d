using Microsoft.Extensions.DependencyInjection;

namespace Aligner.Backends.Torch.Tests;

public class DependencyInjectionTests(TinyCheckpointFixture fixture) : IClassFixture<TinyCheckpointFixture>
{
    [Fact]
    public async Task AddTorchBackend_gives_corrections_through_IAligner()
    {
        var services = new ServiceCollection();
        services.AddAligner(o => o.Generation = GenerationOptions.Greedy with { MaxNewTokens = 8 })
                .AddTorchBackend(fixture.Folder, o => o.IntraOpThreads = 1);
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
        Assert.Throws<ArgumentException>(() => services.AddAligner().AddTorchBackend(fixture.Folder, o => o.IntraOpThreads = 0));
        Assert.Throws<ArgumentException>(() => services.AddAligner().AddTorchBackend(fixture.Folder, o => o.DType = TorchSharp.torch.ScalarType.Int32));
    }

    [Fact]
    public void Former_thread_option_name_forwards_to_IntraOpThreads()
    {
#pragma warning disable CS0618 // The obsolete name is what this test checks.
        var options = new TorchBackendOptions { CpuThreads = 3 };
        Assert.Equal(3, options.IntraOpThreads);
        options.IntraOpThreads = 2;
        Assert.Equal(2, options.CpuThreads);
#pragma warning restore CS0618
    }
}
