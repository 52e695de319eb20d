using Aligner;
using Aligner.Backends.Onnx;
using Aligner.Backends.Onnx.Gating;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the trained sentence-encoder correction gate on an aligner.</summary>
public static class EmbeddingGateBuilderExtensions
{
    /// <summary>
    /// Puts the gate in <paramref name="gateFolder"/> (gate.json + gate.safetensors from <c>aligner train-gate</c>, and
    /// tone.json from <c>aligner train-tone</c> when present) in front of this aligner's corrector: answers it keeps are
    /// returned in milliseconds without generation. Its sentence
    /// encoder (<see cref="EmbeddingGate.Load(string, OnnxSentenceEncoderOptions?, Microsoft.Extensions.Logging.ILogger?)"/>) runs on ONNX Runtime and is disposed with the service provider. The
    /// files are read when the aligner is first resolved; a missing or mismatched file throws then, naming it.
    /// </summary>
    /// <param name="builder">The aligner builder from <c>AddAligner()</c>.</param>
    /// <param name="gateFolder">The gate folder.</param>
    /// <param name="intraOpThreads">Encoder threads (0: ONNX Runtime's default).</param>
    public static IAlignerBuilder AddEmbeddingGate(this IAlignerBuilder builder, string gateFolder, int intraOpThreads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        return builder.AddEmbeddingGate(gateFolder, o => o.IntraOpThreads = intraOpThreads);
    }

    /// <summary>
    /// Puts the gate in <paramref name="gateFolder"/> in front of this aligner's corrector, with its encoder's options
    /// set by <paramref name="configureEncoder"/> (threads, file cache, pre-packing). The container's
    /// <see cref="Microsoft.Extensions.Logging.ILoggerFactory"/>, when registered, receives the encoder's file-cache notes.
    /// </summary>
    /// <param name="builder">The aligner builder from <c>AddAligner()</c>.</param>
    /// <param name="gateFolder">The gate folder.</param>
    /// <param name="configureEncoder">Sets the encoder's options; validated when the gate loads.</param>
    public static IAlignerBuilder AddEmbeddingGate(this IAlignerBuilder builder, string gateFolder, Action<OnnxSentenceEncoderOptions> configureEncoder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(gateFolder);
        ArgumentNullException.ThrowIfNull(configureEncoder);
        var options = new OnnxSentenceEncoderOptions();
        configureEncoder(options);
        options.Validate();
        var key = "aligner-gate-encoder:" + (builder.Name ?? "");
        builder.Services.AddKeyedSingleton(key, (services, _) =>
        {
            var logger = services.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()?.CreateLogger(typeof(OnnxSentenceEncoder).FullName!);
            return new LoadedGate(EmbeddingGate.Load(gateFolder, options, logger));
        });
        return builder.UseCorrectionGate(sp => sp.GetRequiredKeyedService<LoadedGate>(key).Gate);
    }

    /// <summary>Owns the encoder so the container disposes it.</summary>
    private sealed class LoadedGate((Aligner.Gating.EmbeddingCorrectionGate Gate, OnnxSentenceEncoder Encoder) loaded) : IDisposable
    {
        public Aligner.Gating.EmbeddingCorrectionGate Gate { get; } = loaded.Gate;
        public void Dispose() => loaded.Encoder.Dispose();
    }
}
