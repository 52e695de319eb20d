using Aligner;
using Aligner.Backends.Onnx;
using Aligner.Backends.Onnx.Gating;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the trained sentence-encoder correction gate on an aligner.</summary>
public static class EmbeddingGateBuilderExtensions
{
    /// <summary>
    /// Puts the gate in <paramref name="gateFolder"/> (gate.json + gate.safetensors from <c>aligner train-gate</c>) in
    /// front of this aligner's corrector: answers it keeps are returned in milliseconds without generation. Its sentence
    /// encoder (<see cref="EmbeddingGate.Load"/>) runs on ONNX Runtime and is disposed with the service provider. The
    /// files are read when the aligner is first resolved; a missing or mismatched file throws then, naming it.
    /// </summary>
    /// <param name="builder">The aligner builder from <c>AddAligner()</c>.</param>
    /// <param name="gateFolder">The gate folder.</param>
    /// <param name="intraOpThreads">Encoder threads (0: ONNX Runtime's default).</param>
    public static IAlignerBuilder AddEmbeddingGate(this IAlignerBuilder builder, string gateFolder, int intraOpThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(gateFolder);
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        var key = "aligner-gate-encoder:" + (builder.Name ?? "");
        builder.Services.AddKeyedSingleton(key, (_, _) => new LoadedGate(EmbeddingGate.Load(gateFolder, intraOpThreads)));
        return builder.UseCorrectionGate(sp => sp.GetRequiredKeyedService<LoadedGate>(key).Gate);
    }

    /// <summary>Owns the encoder so the container disposes it.</summary>
    private sealed class LoadedGate((Aligner.Gating.EmbeddingCorrectionGate Gate, OnnxSentenceEncoder Encoder) loaded) : IDisposable
    {
        public Aligner.Gating.EmbeddingCorrectionGate Gate { get; } = loaded.Gate;
        public void Dispose() => loaded.Encoder.Dispose();
    }
}
