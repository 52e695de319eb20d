using Aligner.Backends.Torch;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the TorchSharp backend on an aligner.</summary>
public static class TorchAlignerBuilderExtensions
{
    /// <summary>
    /// Uses a Hugging Face checkpoint folder run by TorchSharp as this aligner's correction model. Options are
    /// validated now; the model loads on first use (once) and is disposed with the service provider.
    /// </summary>
    /// <param name="builder">The aligner builder.</param>
    /// <param name="folder">The checkpoint folder (<c>config.json</c>, safetensors weights, tokenizer).</param>
    /// <param name="configure">Sets device, dtype and CPU threads.</param>
    public static IAlignerBuilder AddTorchBackend(this IAlignerBuilder builder, string folder, Action<TorchBackendOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var options = new TorchBackendOptions();
        configure?.Invoke(options);
        options.Validate();
        return builder.UseCorrectionModel(sp =>
            TorchCorrectionModel.Load(folder, options, sp.GetService<ILoggerFactory>()?.CreateLogger(typeof(TorchCorrectionModel).FullName!)));
    }
}
