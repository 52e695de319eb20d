using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch;

/// <summary>
/// Scalars that outlive every libtorch call they are passed to, and tensor arithmetic that creates no temporary Scalar.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <see cref="Scalar"/> owns a native value that only its finalizer (or <c>Dispose</c>) frees, and
/// DisposeScopes do not track Scalars. An operator such as <c>tensor + tensor</c> (alpha = 1), <c>tensor * 2.0</c> or
/// <c>add_(1)</c> makes a temporary Scalar whose only reference is dropped once its native handle has been read, so a
/// garbage collection during the native call lets the finalizer thread free it while libtorch still reads it. Under
/// concurrent callers (frequent GCs) this failed as <c>Unknown scalar type</c>. Code in this backend and in training
/// therefore passes only Scalars that are rooted (the static ones here, fields of a module) or held by a
/// <c>using</c> local for the duration of the call; <c>ScalarLifetimeTests</c> checks the IL for violations.
/// </remarks>
public static class TorchScalars
{
    static TorchScalars() => TorchRuntime.EnsureInitialized();

    /// <summary>The integer 0.</summary>
    public static Scalar Zero { get; } = 0.ToScalar();

    /// <summary>The integer 1 (the alpha of a plain add).</summary>
    public static Scalar One { get; } = 1.ToScalar();

    /// <summary>The integer 2.</summary>
    public static Scalar Two { get; } = 2.ToScalar();

    /// <summary>The boolean <see langword="true"/>.</summary>
    public static Scalar True { get; } = true.ToScalar();

    /// <summary>Negative infinity (masked attention scores).</summary>
    public static Scalar NegativeInfinity { get; } = double.NegativeInfinity.ToScalar();

    /// <summary><paramref name="left"/> + <paramref name="right"/> without a temporary alpha Scalar.</summary>
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    /// <summary>In place: <paramref name="left"/> += <paramref name="right"/> without a temporary alpha Scalar.</summary>
    public static Tensor PlusInPlace(this Tensor left, Tensor right) => left.add_(right, One);

    /// <summary><paramref name="tensor"/> * <paramref name="factor"/>, the Scalar held until the call returns.</summary>
    public static Tensor Times(this Tensor tensor, double factor)
    {
        using var scalar = factor.ToScalar();
        return tensor.mul(scalar);
    }

    /// <summary><paramref name="tensor"/> / <paramref name="divisor"/>, the Scalar held until the call returns.</summary>
    public static Tensor DividedBy(this Tensor tensor, double divisor)
    {
        using var scalar = divisor.ToScalar();
        return tensor.div(scalar);
    }

    /// <summary>Elementwise <paramref name="tensor"/> != <paramref name="value"/>, the Scalar held until the call returns.</summary>
    public static Tensor NotEqual(this Tensor tensor, long value)
    {
        using var scalar = value.ToScalar();
        return tensor.ne(scalar);
    }

    /// <summary><paramref name="tensor"/> + <paramref name="value"/>, the Scalar held until the call returns.</summary>
    public static Tensor PlusScalar(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.add(scalar, One);
    }

    /// <summary><c>arange(start, stop)</c> of int64 with the Scalars held until the call returns.</summary>
    public static Tensor Range(long start, long stop, Device device)
    {
        using var first = start.ToScalar();
        using var end = stop.ToScalar();
        return arange(first, end, One, ScalarType.Int64, device);
    }
}
