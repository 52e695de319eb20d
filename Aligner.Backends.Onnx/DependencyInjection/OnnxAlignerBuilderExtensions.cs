using Aligner.Backends.Onnx;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ONNX Runtime backend on an aligner.</summary>
public static class OnnxAlignerBuilderExtensions
{
    /// <summary>
    /// Uses an ONNX decoder folder (exported by <see cref="OnnxExporter"/> or by Hugging Face Optimum) as this aligner's
    /// correction model. The model loads once, on first use; an <see cref="ILoggerFactory"/> in the container receives its log.
    /// </summary>
    /// <param name="builder">The aligner builder.</param>
    /// <param name="folder">The model folder.</param>
    /// <param name="configure">Sets backend options (execution provider, threads, optimisation level).</param>
    public static IAlignerBuilder AddOnnxBackend(this IAlignerBuilder builder, string folder, Action<OnnxBackendOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var options = new OnnxBackendOptions();
        configure?.Invoke(options);
        options.Validate();
        return builder.UseCorrectionModel(services =>
        {
            var logger = services.GetService<ILoggerFactory>()?.CreateLogger(typeof(OnnxCorrectionModel).FullName!);
            return OnnxCorrectionModel.Load(folder, options, logger);
        });
    }
}
