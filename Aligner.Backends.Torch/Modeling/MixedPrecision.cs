using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>Mixed-precision training on the CPU: float32 master weights, matrix products in a lower dtype.</summary>
public static class MixedPrecision
{
    /// <summary>
    /// Until disposed, the model's linear layers (projections and LM head) run with autograd on the calling thread
    /// multiply their float32 operands in <paramref name="computeType"/> and return float32; norms, attention, softmax,
    /// the loss and the optimizer stay float32, and gradients reach the float32 weights. Use bfloat16 on a CPU with native
    /// bf16 instructions (<c>avx512_bf16</c>, <c>amx_bf16</c>), where its matrix products run at several times the float32
    /// rate. <see langword="null"/> or float32: no change. Inference (no autograd) is unaffected.
    /// </summary>
    /// <param name="computeType">bfloat16, float16 or float32/null.</param>
    /// <exception cref="ArgumentException"><paramref name="computeType"/> is not a floating-point type.</exception>
    public static IDisposable Scope(ScalarType? computeType)
    {
        if (computeType is { } type && type is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"The compute dtype must be float32, bfloat16 or float16 (was {type}).", nameof(computeType));
        return RowLinear.ComputeIn(computeType);
    }
}
