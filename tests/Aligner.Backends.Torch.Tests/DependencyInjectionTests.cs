using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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

    [Theory]
    [InlineData("threads")]
    [InlineData("dtype")]
    public async Task Invalid_options_fail_at_start_naming_the_option(string bad)
    {
        var services = new ServiceCollection();
        services.AddAligner().AddTorchBackend(fixture.Folder, o =>
        {
            if (bad == "threads") o.IntraOpThreads = 0;
            else o.DType = TorchSharp.torch.ScalarType.Int32;
        });
        await using var provider = services.BuildServiceProvider();
        var atStart = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(nameof(TorchBackendOptions), atStart.Message);
        Assert.Contains(bad == "threads" ? "IntraOpThreads" : "DType", atStart.Message);
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IAligner>());
    }

    [Fact]
    public async Task Options_bind_from_configuration_per_named_aligner_and_unknown_keys_are_errors()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aligners:fast:IntraOpThreads"] = "1",
            ["Aligners:fast:DType"] = "Float32",
            ["Aligners:typo:IntraOpThread"] = "1",
        }).Build();
        var services = new ServiceCollection();
        services.AddAligner("fast", o => o.Generation = GenerationOptions.Greedy with { MaxNewTokens = 4 })
                .AddTorchBackend(fixture.Folder, configuration.GetSection("Aligners:fast"), o => o.ModelId = "configured");
        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            var options = provider.GetRequiredService<IOptionsMonitor<TorchBackendOptions>>().Get("fast");
            Assert.Equal((1, TorchSharp.torch.ScalarType.Float32, "configured"), (options.IntraOpThreads, options.DType, options.ModelId));
            var model = provider.GetRequiredKeyedService<ICorrectionModel>("fast");
            Assert.Equal("configured", model.Info.ModelId);
        }

        var typo = new ServiceCollection();
        typo.AddAligner("typo").AddTorchBackend(fixture.Folder, configuration.GetSection("Aligners:typo"));
        await using var typoProvider = typo.BuildServiceProvider();
        var e = Assert.Throws<InvalidOperationException>(() => typoProvider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("IntraOpThread", e.Message);
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
