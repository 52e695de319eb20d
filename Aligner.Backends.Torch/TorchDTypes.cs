using Aligner.Checkpoints;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch;

/// <summary>Mapping between TorchSharp dtypes, safetensors dtypes and <c>torch_dtype</c> names.</summary>
public static class TorchDTypes
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="dtype"/> is float32, float16 or bfloat16.</summary>
    public static void EnsureSupported(ScalarType dtype)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"dtype {dtype} is not supported for model weights; use Float32, Float16 or BFloat16.", nameof(dtype));
    }

    /// <summary>The safetensors dtype of a TorchSharp dtype.</summary>
    public static SafeTensorDType ToSafeTensors(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => SafeTensorDType.F64,
        ScalarType.Float32 => SafeTensorDType.F32,
        ScalarType.Float16 => SafeTensorDType.F16,
        ScalarType.BFloat16 => SafeTensorDType.BF16,
        ScalarType.Int64 => SafeTensorDType.I64,
        ScalarType.Int32 => SafeTensorDType.I32,
        ScalarType.Int16 => SafeTensorDType.I16,
        ScalarType.Int8 => SafeTensorDType.I8,
        ScalarType.Byte => SafeTensorDType.U8,
        ScalarType.Bool => SafeTensorDType.BOOL,
        _ => throw new ArgumentException($"dtype {dtype} has no safetensors equivalent.", nameof(dtype)),
    };

    /// <summary>The TorchSharp dtype of a safetensors dtype.</summary>
    public static ScalarType FromSafeTensors(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F64 => ScalarType.Float64,
        SafeTensorDType.F32 => ScalarType.Float32,
        SafeTensorDType.F16 => ScalarType.Float16,
        SafeTensorDType.BF16 => ScalarType.BFloat16,
        SafeTensorDType.I64 => ScalarType.Int64,
        SafeTensorDType.I32 => ScalarType.Int32,
        SafeTensorDType.I16 => ScalarType.Int16,
        SafeTensorDType.I8 => ScalarType.Int8,
        SafeTensorDType.U8 => ScalarType.Byte,
        SafeTensorDType.BOOL => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The <c>torch_dtype</c> name of a dtype (<c>float32</c>, <c>float16</c>, <c>bfloat16</c>).</summary>
    public static string ToConfigName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float64 => "float64",
        _ => dtype.ToString().ToLowerInvariant(),
    };
}
