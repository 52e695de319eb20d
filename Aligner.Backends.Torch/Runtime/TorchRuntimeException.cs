namespace Aligner.Backends.Torch;

/// <summary>TorchSharp's native libraries could not be loaded.</summary>
public sealed class TorchRuntimeException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    public TorchRuntimeException(string message, Exception? innerException = null) : base(message, innerException) { }
}
