using Aligner.Checkpoints;

namespace Aligner.Benchmarks.Models;

/// <summary>Parameter counts of a decoder, split as the speed limits need them.</summary>
/// <param name="MatrixParameters">Parameters of the matrices (embedding, projections, output head).</param>
/// <param name="VectorParameters">Parameters of norms and biases.</param>
/// <param name="LookupOnlyParameters">Parameters only looked up per token, never read whole: the input embedding when the output head is separate.</param>
/// <param name="HeadParameters">Parameters of the output head (vocabulary × hidden; the embedding itself when tied).</param>
public sealed record ModelSize(long MatrixParameters, long VectorParameters, long LookupOnlyParameters, long HeadParameters)
{
    /// <summary>Every parameter.</summary>
    public long TotalParameters => MatrixParameters + VectorParameters;

    /// <summary>The counts of <paramref name="c"/>.</summary>
    public static ModelSize Of(DecoderConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, f = c.IntermediateSize, v = c.VocabSize;
        long perLayerMatrices = h * q + 2 * h * kv + q * h + 3 * h * f;
        long perLayerVectors = 2 * h + (c.HasQkvBias ? q + 2 * kv : 0) + (c.HasOutputBias ? h : 0) + (c.HasMlpBias ? 2 * f + h : 0);
        bool separateHead = !c.TieWordEmbeddings && c.ModelType != "gemma";
        long matrices = v * h + c.NumHiddenLayers * perLayerMatrices + (separateHead ? v * h : 0);
        long vectors = c.NumHiddenLayers * perLayerVectors + h;
        return new ModelSize(matrices, vectors, separateHead ? v * h : 0, v * h);
    }

    /// <summary>Bytes of weights read to decode one token at batch 1, matrices stored with <paramref name="matrixElementBytes"/> bytes per element and vectors in f32.</summary>
    public long WeightBytesPerToken(int matrixElementBytes) => (MatrixParameters - LookupOnlyParameters) * matrixElementBytes + VectorParameters * sizeof(float);

    /// <summary>Parameters that multiply each token in a forward pass (2 FLOPs each): all but the lookup-only embedding.</summary>
    public long ForwardParameters => TotalParameters - LookupOnlyParameters;

    /// <summary>
    /// FLOPs of a prefill of <paramref name="tokens"/> tokens per token: 2 per forward parameter, the output head counted
    /// for every position (<paramref name="headEveryPosition"/>: Hugging Face's layout, the portable ONNX graph) or once
    /// for the last position (the Torch backend, the default ONNX graph and llama.cpp, which need only its logits).
    /// </summary>
    public double PrefillFlopsPerToken(int tokens, bool headEveryPosition) =>
        2.0 * (ForwardParameters - HeadParameters) + 2.0 * HeadParameters * (headEveryPosition ? 1.0 : 1.0 / Math.Max(1, tokens));
}
