namespace Aligner.Backends.Onnx;

/// <summary>
/// The requested execution provider could not start (e.g. <c>cuda</c> without the CUDA libraries, a driver or a GPU).
/// Like the Torch backend, the ONNX backend does not silently run on another device; set
/// <see cref="OnnxBackendOptions.FallBackToCpu"/> to accept the CPU instead.
/// </summary>
public sealed class OnnxExecutionProviderException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    public OnnxExecutionProviderException(string message, Exception? innerException = null) : base(message, innerException) { }
}
