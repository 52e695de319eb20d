using Aligner.Backends.Torch;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the TorchSharp backend on an aligner.</summary>
public static class TorchAlignerBuilderExtensions
{
    /// <summary>
    /// Uses a Hugging Face checkpoint folder run by TorchSharp as this aligner's correction model. The options are the
    /// aligner's named <see cref="TorchBackendOptions"/> (options pattern: <c>services.Configure&lt;TorchBackendOptions&gt;</c>
    /// works too), validated when the host starts and at the latest when the aligner is first resolved. The model loads
    /// on first use (once) and is disposed with the service provider.
    /// </summary>
    /// <param name="builder">The aligner builder.</param>
    /// <param name="folder">The checkpoint folder (<c>config.json</c>, safetensors weights, tokenizer).</param>
    /// <param name="configure">Sets device, dtype and CPU threads.</param>
    public static IAlignerBuilder AddTorchBackend(this IAlignerBuilder builder, string folder, Action<TorchBackendOptions>? configure = null)
        => AddTorchBackendCore(builder, folder, configure, configuration: null);

    /// <summary>
    /// Uses a Hugging Face checkpoint folder run by TorchSharp as this aligner's correction model, with options bound
    /// from configuration (e.g. <c>{ "Device": "cpu", "DType": "BFloat16", "IntraOpThreads": 2 }</c>; an unknown key is
    /// an error), then <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The aligner builder.</param>
    /// <param name="folder">The checkpoint folder.</param>
    /// <param name="configuration">The configuration section of <see cref="TorchBackendOptions"/>.</param>
    /// <param name="configure">Sets options in code after the binding.</param>
    public static IAlignerBuilder AddTorchBackend(this IAlignerBuilder builder, string folder, IConfiguration configuration, Action<TorchBackendOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddTorchBackendCore(builder, folder, configure, configuration);
    }

    private static IAlignerBuilder AddTorchBackendCore(IAlignerBuilder builder, string folder, Action<TorchBackendOptions>? configure, IConfiguration? configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        builder.AddBackendOptions(configure, configuration, o => o.Validate());
        var name = builder.Name;
        return builder.UseCorrectionModel(sp =>
            TorchCorrectionModel.Load(folder, sp.BackendOptions<TorchBackendOptions>(name), sp.GetService<ILoggerFactory>()?.CreateLogger(typeof(TorchCorrectionModel).FullName!)));
    }
}
