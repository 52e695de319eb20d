namespace Aligner.Gguf;

/// <summary>
/// The element types of GGUF tensors that Aligner writes and reads (ggml's <c>ggml_type</c> numbers).
/// Quantized types are refused by the reader with a <see cref="NotSupportedModelException"/>.
/// </summary>
public enum GgufTensorType : uint
{
    /// <summary>32-bit float.</summary>
    F32 = 0,
    /// <summary>IEEE half precision.</summary>
    F16 = 1,
    /// <summary>bfloat16.</summary>
    BF16 = 30,
}

/// <summary>Helpers for <see cref="GgufTensorType"/>.</summary>
public static class GgufTensorTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeInBytes(this GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => 4,
        GgufTensorType.F16 or GgufTensorType.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
