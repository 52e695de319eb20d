namespace Aligner.Backends.Onnx;

/// <summary>Where ONNX Runtime runs the decoder.</summary>
public enum OnnxExecutionProvider
{
    /// <summary>The CPU execution provider.</summary>
    Cpu,

    /// <summary>
    /// The CUDA execution provider (Microsoft.ML.OnnxRuntime.Gpu with a CUDA runtime present); when it cannot be
    /// started the model falls back to the CPU and logs a warning saying why.
    /// </summary>
    Cuda,
}
