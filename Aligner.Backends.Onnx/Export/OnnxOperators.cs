namespace Aligner.Backends.Onnx;

/// <summary>Which operators an exported decoder graph uses (<see cref="OnnxExportOptions.Operators"/>).</summary>
public enum OnnxOperators
{
    /// <summary>
    /// ONNX Runtime's contrib operators, as ONNX Runtime GenAI's model builder emits for the CPU:
    /// <c>GroupQueryAttention</c> (packed q/k/v, rotary inside, a KV cache shared in place between steps),
    /// <c>SkipSimplifiedLayerNormalization</c>, packed gate/up projections and logits for the last position only.
    /// Fastest; needs ONNX Runtime (and, under CUDA, float16 weights for its attention kernel).
    /// </summary>
    OnnxRuntime,

    /// <summary>
    /// Default-domain operators only (opset 17), Hugging Face's exporter layout with <c>position_ids</c>, a cache that
    /// grows by concatenation and logits for every position: runs on any ONNX runtime (unless
    /// <see cref="OnnxExportOptions.LinearWeightBits"/> asks for ONNX Runtime's <c>MatMulNBits</c>).
    /// </summary>
    Portable,
}
