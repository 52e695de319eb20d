using Aligner.Backends.Onnx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ONNX Runtime backend on an aligner.</summary>
public static class OnnxAlignerBuilderExtensions
{
    /// <summary>
    /// Uses an ONNX decoder folder (exported by <see cref="OnnxExporter"/> or by Hugging Face Optimum) as this aligner's
    /// correction model. The options are the aligner's named <see cref="OnnxBackendOptions"/> (options pattern), validated
    /// when the host starts and at the latest when the aligner is first resolved. The model loads once, on first use; an
    /// <see cref="ILoggerFactory"/> in the container receives its log.
    /// </summary>
    /// <param name="builder">The aligner builder.</param>
    /// <param name="folder">The model folder.</param>
    /// <param name="configure">Sets backend options (execution provider, threads, optimisation level).</param>
    public static IAlignerBuilder AddOnnxBackend(this IAlignerBuilder builder, string folder, Action<OnnxBackendOptions>? configure = null)
        => AddOnnxBackendCore(builder, folder, configure, configuration: null);

    /// <summary>
    /// Uses an ONNX decoder folder as this aligner's correction model, with options bound from configuration (e.g.
    /// <c>{ "IntraOpThreads": 2 }</c>; an unknown key is an error), then <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The aligner builder.</param>
    /// <param name="folder">The model folder.</param>
    /// <param name="configuration">The configuration section of <see cref="OnnxBackendOptions"/>.</param>
    /// <param name="configure">Sets options in code after the binding.</param>
    public static IAlignerBuilder AddOnnxBackend(this IAlignerBuilder builder, string folder, IConfiguration configuration, Action<OnnxBackendOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddOnnxBackendCore(builder, folder, configure, configuration);
    }

    private static IAlignerBuilder AddOnnxBackendCore(IAlignerBuilder builder, string folder, Action<OnnxBackendOptions>? configure, IConfiguration? configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        builder.AddBackendOptions(configure, configuration, o => o.Validate());
        var name = builder.Name;
        return builder.UseCorrectionModel(services =>
        {
            var logger = services.GetService<ILoggerFactory>()?.CreateLogger(typeof(OnnxCorrectionModel).FullName!);
            return OnnxCorrectionModel.Load(folder, services.BackendOptions<OnnxBackendOptions>(name), logger);
        });
    }
}
