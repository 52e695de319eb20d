namespace Aligner.Checkpoints;

/// <summary>Element types of a safetensors file, named as the format spells them.</summary>
public enum SafeTensorDType
{
    /// <summary>64-bit float.</summary>
    F64,
    /// <summary>32-bit float.</summary>
    F32,
    /// <summary>IEEE half precision.</summary>
    F16,
    /// <summary>bfloat16.</summary>
    BF16,
    /// <summary>64-bit signed integer.</summary>
    I64,
    /// <summary>32-bit signed integer.</summary>
    I32,
    /// <summary>16-bit signed integer.</summary>
    I16,
    /// <summary>8-bit signed integer.</summary>
    I8,
    /// <summary>8-bit unsigned integer.</summary>
    U8,
    /// <summary>Boolean, one byte.</summary>
    BOOL,
}

/// <summary>Helpers for <see cref="SafeTensorDType"/>.</summary>
public static class SafeTensorDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeInBytes(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F64 or SafeTensorDType.I64 => 8,
        SafeTensorDType.F32 or SafeTensorDType.I32 => 4,
        SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.I16 => 2,
        SafeTensorDType.I8 or SafeTensorDType.U8 or SafeTensorDType.BOOL => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Whether the type is a floating-point type (weights can be converted between these).</summary>
    public static bool IsFloatingPoint(this SafeTensorDType dtype) =>
        dtype is SafeTensorDType.F64 or SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16;

    /// <summary>Parses the format's name of a type (<c>F32</c>, <c>BF16</c>...); <see langword="null"/> when unknown.</summary>
    public static SafeTensorDType? Parse(string name) =>
        Enum.TryParse<SafeTensorDType>(name, ignoreCase: false, out var d) && Enum.IsDefined(d) && !int.TryParse(name, out _) ? d : null;
}
