using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// <c>y = x Wᵀ + b</c> for the few rows of a decode step, as a matrix-vector product over the weight's own memory.
/// </summary>
/// <remarks>
/// Decoding one token per row is bound by reading the weights, and libtorch's CPU kernel for a 1-row matmul reads them
/// on one thread: on a 2-core machine it reaches about 15 GB/s where the memory gives 45–50 GB/s. This kernel splits the
/// output rows over the intra-op threads (<c>torch.get_num_threads()</c>) and reads each weight row once for all input rows,
/// accumulating in float32. BFloat16 weights are widened in registers (a 16-bit shift), so they cost half the bytes; the
/// output is rounded to bfloat16 (nearest even), as libtorch's bf16 matmul rounds its float32 accumulator.
/// It runs only without autograd, on contiguous CPU float32/bfloat16 weights, for at most <see cref="MaxRows"/> input
/// rows; anything else (training, prefill, other dtypes, CUDA) goes to <c>nn.functional.linear</c>.
/// </remarks>
internal static class RowLinear
{
    /// <summary>Most input rows the kernel takes (a decode batch); larger inputs are a matrix product libtorch does well.</summary>
    public const int MaxRows = 4;

    /// <summary>
    /// Most input rows the int8 kernel takes: a decode step of a batch. Each weight row is read from memory once and
    /// multiplied into the input rows four at a time while it stays in the L1 cache; dequantizing the weight for a
    /// libtorch matmul would cost more than that up to about this many rows, and a prefill is better served by it.
    /// </summary>
    public const int MaxInt8Rows = 64;

    /// <summary>Chunks of output rows per thread (dynamic load balancing under a co-tenant's load).</summary>
    private const int ChunksPerThread = 8;

    /// <summary>Fewest output rows in a chunk.</summary>
    private const int MinChunkRows = 32;

    /// <summary>Fewest weight elements worth splitting over threads.</summary>
    private const long ParallelThreshold = 1 << 15;

    /// <summary>
    /// Whether the kernel is used at all on this thread (tests turn it off to compare with libtorch). Per thread: a test
    /// turning it off must not change the products of tests running at the same time on other threads.
    /// </summary>
    internal static bool Enabled { get => !t_disabled; set => t_disabled = !value; }

    [ThreadStatic] private static bool t_disabled;

    // Threads of the kernel inside a DecodeScope on this thread (libtorch then runs single-threaded on it).
    [ThreadStatic] private static int t_scopeThreads;

    // At most this many threads for the kernel on this thread (0: no limit); set by FusedDecodeStep's thread chooser.
    [ThreadStatic] private static int t_threadLimit;

    /// <summary>The threads the kernel would use on this thread for a large weight.</summary>
    internal static int Threads
    {
        get
        {
            int threads = Math.Min(t_scopeThreads > 0 ? t_scopeThreads : get_num_threads(), Environment.ProcessorCount);
            return t_threadLimit > 0 ? Math.Min(threads, t_threadLimit) : threads;
        }
    }

    /// <summary>Runs the kernel on at most <paramref name="threads"/> threads on this thread until the returned scope is disposed.</summary>
    internal static ThreadLimit LimitThreads(int threads) => new(threads);

    /// <summary>See <see cref="LimitThreads"/>.</summary>
    internal readonly struct ThreadLimit : IDisposable
    {
        private readonly int _previous;

        internal ThreadLimit(int threads)
        {
            _previous = t_threadLimit;
            t_threadLimit = threads;
        }

        /// <inheritdoc />
        public void Dispose() => t_threadLimit = _previous;
    }

    /// <summary>
    /// Runs a decode step's ops on this thread with libtorch single-threaded and the kernel on the thread's OpenMP
    /// thread count. A decode step's other ops (norms, rotary, attention over a short cache) work on a few thousand
    /// values, too few to gain from threads; libtorch's OpenMP workers, left spinning after them, would take the cores
    /// from the kernel's threads (measured on 2 cores: 22 ms per token this way, 32–36 ms with both pools at 2 threads).
    /// The counts are changed with <c>omp_set_num_threads</c> and <c>mkl_set_num_threads_local</c>
    /// (<see cref="ThreadCounts"/>), which affect this thread only; where they are not available, nothing changes.
    /// Dispose restores them.
    /// </summary>
    public static DecodeScope Decode()
    {
        if (!Enabled || !ThreadCounts.Available) return default;
        int threads = ThreadCounts.OpenMp();
        return threads > 1 ? new DecodeScope(threads, ThreadCounts.SetMklLocal(1)) : default;
    }

    /// <summary>See <see cref="Decode"/>.</summary>
    public readonly struct DecodeScope : IDisposable
    {
        private readonly int _threads;
        private readonly int _mklLocal;

        internal DecodeScope(int threads, int previousMklLocal)
        {
            _threads = threads;
            _mklLocal = previousMklLocal;
            t_scopeThreads = threads;
            ThreadCounts.SetOpenMp(1);
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (_threads <= 1) return;
            t_scopeThreads = 0;
            ThreadCounts.SetOpenMp(_threads);
            ThreadCounts.SetMklLocal(_mklLocal);
        }
    }

    /// <summary>
    /// <c>nn.functional.linear(input, weight, bias)</c>, through the kernel where it applies; under
    /// <see cref="ComputeIn"/> (training with autograd), float32 operands are multiplied in the lower compute dtype and
    /// the result comes back as float32 (the float32 weights stay the master copy: their gradients are float32).
    /// </summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias)
    {
        if (Applies(input, weight, bias)) return Run(input, Weights.Of(weight), weight.dtype, bias);
        if (t_computeType is { } compute && is_grad_enabled() && weight.dtype == ScalarType.Float32 && input.dtype == ScalarType.Float32)
        {
            using var scope = NewDisposeScope();
            var product = nn.functional.linear(input.to(compute), weight.to(compute), bias?.to(compute)).to(ScalarType.Float32);
            return product.MoveToOuterDisposeScope();
        }
        return nn.functional.linear(input, weight, bias);
    }

    // The compute dtype of float32 products with autograd on this thread (null: float32); see ComputeIn.
    [ThreadStatic] private static ScalarType? t_computeType;

    /// <summary>
    /// Until disposed, float32 linear layers run with autograd on this thread multiply in <paramref name="computeType"/>
    /// (bfloat16: the CPU's native bf16 matrix products) and return float32: mixed-precision training with float32
    /// master weights. <see langword="null"/> or float32: no change.
    /// </summary>
    internal static ComputeScope ComputeIn(ScalarType? computeType) => new(computeType is ScalarType.Float32 ? null : computeType);

    /// <summary>See <see cref="ComputeIn"/>.</summary>
    internal readonly struct ComputeScope : IDisposable
    {
        private readonly ScalarType? _previous;

        internal ComputeScope(ScalarType? computeType)
        {
            _previous = t_computeType;
            t_computeType = computeType;
        }

        public void Dispose() => t_computeType = _previous;
    }

    /// <summary>Whether <see cref="Apply(Tensor, Tensor, Tensor?)"/> would use the kernel for these operands.</summary>
    internal static bool Applies(Tensor input, Tensor weight, Tensor? bias)
    {
        if (!Enabled || is_grad_enabled()) return false;
        var dtype = weight.dtype;
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16) || input.dtype != dtype) return false;
        if (weight.device_type != DeviceType.CPU || input.device_type != DeviceType.CPU || weight.dim() != 2 || !weight.is_contiguous()) return false;
        long inFeatures = weight.shape[1];
        if (input.dim() < 1 || input.shape[^1] != inFeatures || input.numel() > MaxRows * inFeatures) return false;
        // Tensor.bytes is a span: int-sized.
        if (weight.numel() * weight.element_size() > int.MaxValue) return false;
        return bias is null || (bias.dim() == 1 && bias.shape[0] == weight.shape[0] && bias.device_type == DeviceType.CPU);
    }

    /// <summary><c>nn.functional.linear(input, dequantize(weight), bias)</c>: in place through the kernel where it applies, else with a dequantized copy.</summary>
    public static Tensor Apply(Tensor input, Int8Weight weight, Tensor? bias)
    {
        if (AppliesInt8(input, weight, bias)) return Run(input, Weights.Of(weight), input.dtype, bias);
        using var dense = weight.Dequantize(input.dtype);
        return nn.functional.linear(input, dense, bias);
    }

    /// <summary>Whether <see cref="Apply(Tensor, Int8Weight, Tensor?)"/> would use the kernel for these operands.</summary>
    internal static bool AppliesInt8(Tensor input, Int8Weight weight, Tensor? bias)
    {
        if (!Enabled || is_grad_enabled() || input.dtype is not (ScalarType.Float32 or ScalarType.BFloat16) || input.device_type != DeviceType.CPU) return false;
        long inFeatures = weight.InFeatures;
        if (input.dim() < 1 || input.shape[^1] != inFeatures || input.numel() > MaxInt8Rows * inFeatures) return false;
        if (weight.Values.numel() > int.MaxValue) return false;
        return bias is null || (bias.dim() == 1 && bias.shape[0] == weight.OutFeatures && bias.device_type == DeviceType.CPU);
    }

    /// <summary>How a weight's elements are stored.</summary>
    internal enum WeightFormat { Float32, BFloat16, Int8 }

    /// <summary>A weight <c>[out, in]</c> in memory that stays in place while it is used (a tensor's own storage).</summary>
    internal readonly record struct Weights(nint Data, WeightFormat Format, nint Scales, int Blocks, int OutFeatures, int InFeatures)
    {
        /// <summary>A contiguous CPU float32/bfloat16 tensor's memory (the tensor must outlive every use).</summary>
        public static unsafe Weights Of(Tensor weight) => new(
            (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(weight.bytes)),
            weight.dtype == ScalarType.BFloat16 ? WeightFormat.BFloat16 : WeightFormat.Float32, 0, 0, (int)weight.shape[0], (int)weight.shape[1]);

        /// <summary>An int8 weight's memory (it must outlive every use).</summary>
        public static unsafe Weights Of(Int8Weight weight) => new(
            (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(weight.Values.bytes)), WeightFormat.Int8,
            (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(weight.Scales.bytes)), weight.Blocks, (int)weight.OutFeatures, (int)weight.InFeatures);
    }

    // Optimised at first call: a one-shot `aligner correct` would otherwise decode its first tokens in unoptimised tier-0 loops.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor Run(Tensor input, in Weights weights, ScalarType outputType, Tensor? bias)
    {
        int outFeatures = weights.OutFeatures, inFeatures = weights.InFeatures;
        int rows = (int)(input.numel() / inFeatures);
        bool bf16Input = input.dtype == ScalarType.BFloat16;
        // The input rows as float32, and the output before its final dtype, in pooled buffers: the LM head's output alone
        // is hundreds of KB per token, which would be a large-object allocation each step.
        var x = ArrayPool<float>.Shared.Rent(rows * inFeatures);
        using (var flat = input.contiguous())
        {
            if (bf16Input) Widen(MemoryMarshal.Cast<byte, ushort>(flat.bytes), x.AsSpan(0, rows * inFeatures));
            else MemoryMarshal.Cast<byte, float>(flat.bytes).CopyTo(x);
        }
        float[]? b = null;
        if (bias is not null)
        {
            using var flatBias = bias.to(ScalarType.Float32).contiguous();
            b = MemoryMarshal.Cast<byte, float>(flatBias.bytes).ToArray();
        }
        var shape = input.shape.ToArray();
        shape[^1] = outFeatures;
        var result = empty(shape, outputType, input.device);
        var y = ArrayPool<float>.Shared.Rent(rows * outFeatures);
        Multiply(weights, x, rows, b, y);
        if (outputType == ScalarType.BFloat16) Narrow(y.AsSpan(0, rows * outFeatures), MemoryMarshal.Cast<byte, ushort>(result.bytes));
        else y.AsSpan(0, rows * outFeatures).CopyTo(MemoryMarshal.Cast<byte, float>(result.bytes));
        ArrayPool<float>.Shared.Return(x);
        ArrayPool<float>.Shared.Return(y);
        return result;
    }

    /// <summary>
    /// <c>y[r] = W x[r] + b</c> for <paramref name="rows"/> float32 rows of <paramref name="x"/>, into <paramref name="y"/>
    /// (<c>rows · out</c> floats), output rows split over the intra-op threads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply(in Weights weights, float[] x, int rows, float[]? bias, float[] y)
    {
        int outFeatures = weights.OutFeatures, inFeatures = weights.InFeatures;
        sbyte[]? quantized = null;
        float[]? inputScales = null;
        if (weights.Format == WeightFormat.Int8 && UsesInt8Activations(inFeatures))
        {
            // Q8_0 × Q8_0, as llama.cpp does: the input rows are quantized to int8 per block of 32 once, then every weight
            // block is an integer dot product (AVX-VNNI) scaled by both blocks' scales.
            int blocks = inFeatures / Int8Weight.BlockSize;
            quantized = ArrayPool<sbyte>.Shared.Rent(rows * inFeatures);
            inputScales = ArrayPool<float>.Shared.Rent(rows * blocks);
            // The weights' own quantizer (Q8_0: max|x| / 127 per block, round half to even); whole blocks never straddle rows.
            Int8Weight.QuantizeRow(x.AsSpan(0, rows * inFeatures), quantized.AsSpan(0, rows * inFeatures), inputScales.AsSpan(0, rows * blocks));
        }
        var job = new Job(weights.Data, weights.Format, weights.Scales, weights.Blocks, x, y, bias, rows, inFeatures, outFeatures, quantized, inputScales);
        int threads = (long)outFeatures * inFeatures >= ParallelThreshold ? Threads : 1;
        if (threads <= 1) job.Rows(0, outFeatures);
        else
        {
            // More chunks than threads, handed out as threads free up: when a busy neighbour slows one core, the other
            // core takes over its share instead of the step waiting for the straggler.
            int chunks = Math.Max(threads, Math.Min(threads * ChunksPerThread, outFeatures / MinChunkRows));
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads },
                c => job.Rows((int)((long)outFeatures * c / chunks), (int)((long)outFeatures * (c + 1) / chunks)));
        }
        if (quantized is not null) ArrayPool<sbyte>.Shared.Return(quantized);
        if (inputScales is not null) ArrayPool<float>.Shared.Return(inputScales);
    }

    /// <summary>
    /// Whether int8 weights multiply int8-quantized inputs (integer dot products) rather than float32 ones: where the CPU
    /// has AVX-VNNI and the rows are whole blocks. Tests turn it off to compare.
    /// </summary>
    internal static bool Int8Activations { get; set; } = true;

    // A per-thread override of Int8Activations (tests compare both ways without touching other threads' products).
    [ThreadStatic] private static bool? t_int8Activations;

    /// <summary>Until disposed, products on this thread use int8 activations (where supported) or not.</summary>
    internal static Int8ActivationScope UseInt8Activations(bool enabled) => new(enabled);

    /// <summary>See <see cref="UseInt8Activations"/>.</summary>
    internal readonly struct Int8ActivationScope : IDisposable
    {
        private readonly bool? _previous;

        internal Int8ActivationScope(bool enabled)
        {
            _previous = t_int8Activations;
            t_int8Activations = enabled;
        }

        public void Dispose() => t_int8Activations = _previous;
    }

    private static bool UsesInt8Activations(int inFeatures) =>
        (t_int8Activations ?? Int8Activations) && AvxVnni.IsSupported && Avx2.IsSupported && inFeatures % Int8Weight.BlockSize == 0;

    /// <summary>
    /// The dot product of an int8 weight row and an int8-quantized input row, block by block:
    /// <c>Σ_b wScale[b] · xScale[b] · Σ_{i∈b} w_i · x_i</c>. Each block's 32 products are summed in int32 by one
    /// <c>vpdpbusd</c> (unsigned × signed, so |x| times w carrying x's sign), then scaled and accumulated in float32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float DotQ8(ReadOnlySpan<sbyte> w, ReadOnlySpan<float> wScales, ReadOnlySpan<sbyte> x, ReadOnlySpan<float> xScales)
    {
        int blocks = wScales.Length;
        ref sbyte wr = ref MemoryMarshal.GetReference(w);
        ref sbyte xr = ref MemoryMarshal.GetReference(x);
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            var x0 = Vector256.LoadUnsafe(ref xr, (nuint)(b * Int8Weight.BlockSize));
            var x1 = Vector256.LoadUnsafe(ref xr, (nuint)((b + 1) * Int8Weight.BlockSize));
            var d0 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Avx2.Abs(x0), Avx2.Sign(Vector256.LoadUnsafe(ref wr, (nuint)(b * Int8Weight.BlockSize)), x0));
            var d1 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Avx2.Abs(x1), Avx2.Sign(Vector256.LoadUnsafe(ref wr, (nuint)((b + 1) * Int8Weight.BlockSize)), x1));
            a0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(d0), Vector256.Create(wScales[b] * xScales[b]), a0);
            a1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(d1), Vector256.Create(wScales[b + 1] * xScales[b + 1]), a1);
        }
        for (; b < blocks; b++)
        {
            var x0 = Vector256.LoadUnsafe(ref xr, (nuint)(b * Int8Weight.BlockSize));
            var d0 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Avx2.Abs(x0), Avx2.Sign(Vector256.LoadUnsafe(ref wr, (nuint)(b * Int8Weight.BlockSize)), x0));
            a0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(d0), Vector256.Create(wScales[b] * xScales[b]), a0);
        }
        return Vector256.Sum(a0 + a1);
    }

    private sealed class Job(nint weight, WeightFormat format, nint scales, int blocks, float[] x, float[] y, float[]? bias, int rows, int inFeatures, int outFeatures,
        sbyte[]? quantized, float[]? inputScales)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Rows(int start, int end)
        {
            Span<float> sums = stackalloc float[MaxRows];
            for (int o = start; o < end; o++)
            {
                float add = bias?[o] ?? 0f;
                switch (format)
                {
                    case WeightFormat.BFloat16:
                    {
                        var w = new ReadOnlySpan<ushort>((ushort*)weight + (long)o * inFeatures, inFeatures);
                        for (int r = 0; r < rows; r++) y[r * outFeatures + o] = DotBf16(w, x.AsSpan(r * inFeatures, inFeatures)) + add;
                        break;
                    }
                    case WeightFormat.Int8 when quantized is not null:
                    {
                        var w = new ReadOnlySpan<sbyte>((sbyte*)weight + (long)o * inFeatures, inFeatures);
                        var s = new ReadOnlySpan<float>((float*)scales + (long)o * blocks, blocks);
                        for (int r = 0; r < rows; r++)
                            y[r * outFeatures + o] = DotQ8(w, s, quantized.AsSpan(r * inFeatures, inFeatures), inputScales.AsSpan(r * blocks, blocks)) + add;
                        break;
                    }
                    case WeightFormat.Int8:
                    {
                        var w = new ReadOnlySpan<sbyte>((sbyte*)weight + (long)o * inFeatures, inFeatures);
                        var s = new ReadOnlySpan<float>((float*)scales + (long)o * blocks, blocks);
                        for (int first = 0; first < rows; first += MaxRows)
                        {
                            int count = Math.Min(MaxRows, rows - first);
                            DotInt8(w, s, x.AsSpan(first * inFeatures, count * inFeatures), inFeatures, count, sums);
                            for (int r = 0; r < count; r++) y[(first + r) * outFeatures + o] = sums[r] + add;
                        }
                        break;
                    }
                    default:
                    {
                        var w = new ReadOnlySpan<float>((float*)weight + (long)o * inFeatures, inFeatures);
                        for (int r = 0; r < rows; r++) y[r * outFeatures + o] = TensorPrimitives.Dot(w, x.AsSpan(r * inFeatures, inFeatures)) + add;
                        break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The dot products of one int8 weight row (with its per-block scales) with each of <paramref name="rows"/> float32
    /// input rows, accumulated in float32: each block of 32 weights is widened and scaled once, then multiplied into every row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotInt8(ReadOnlySpan<sbyte> w, ReadOnlySpan<float> scales, ReadOnlySpan<float> x, int inFeatures, int rows, Span<float> sums)
    {
        int n = w.Length, k = 0;
        ref sbyte wr = ref MemoryMarshal.GetReference(w);
        ref float xr = ref MemoryMarshal.GetReference(x);
        sums[..rows].Clear();
        if (Avx512F.IsSupported && n >= Int8Weight.BlockSize)
        {
            var a0 = Vector512<float>.Zero; var a1 = Vector512<float>.Zero; var a2 = Vector512<float>.Zero; var a3 = Vector512<float>.Zero;
            for (; k + Int8Weight.BlockSize <= n; k += Int8Weight.BlockSize)
            {
                var scale = Vector512.Create(scales[k / Int8Weight.BlockSize]);
                var lo = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref wr, (nuint)k))) * scale;
                var hi = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref wr, (nuint)(k + 16)))) * scale;
                a0 = Vector512.FusedMultiplyAdd(hi, Vector512.LoadUnsafe(ref xr, (nuint)(k + 16)), Vector512.FusedMultiplyAdd(lo, Vector512.LoadUnsafe(ref xr, (nuint)k), a0));
                if (rows > 1) a1 = Vector512.FusedMultiplyAdd(hi, Vector512.LoadUnsafe(ref xr, (nuint)(inFeatures + k + 16)), Vector512.FusedMultiplyAdd(lo, Vector512.LoadUnsafe(ref xr, (nuint)(inFeatures + k)), a1));
                if (rows > 2) a2 = Vector512.FusedMultiplyAdd(hi, Vector512.LoadUnsafe(ref xr, (nuint)(2 * inFeatures + k + 16)), Vector512.FusedMultiplyAdd(lo, Vector512.LoadUnsafe(ref xr, (nuint)(2 * inFeatures + k)), a2));
                if (rows > 3) a3 = Vector512.FusedMultiplyAdd(hi, Vector512.LoadUnsafe(ref xr, (nuint)(3 * inFeatures + k + 16)), Vector512.FusedMultiplyAdd(lo, Vector512.LoadUnsafe(ref xr, (nuint)(3 * inFeatures + k)), a3));
            }
            sums[0] = Vector512.Sum(a0);
            if (rows > 1) sums[1] = Vector512.Sum(a1);
            if (rows > 2) sums[2] = Vector512.Sum(a2);
            if (rows > 3) sums[3] = Vector512.Sum(a3);
        }
        else if (Avx2.IsSupported && n >= Int8Weight.BlockSize)
        {
            Span<Vector256<float>> acc = stackalloc Vector256<float>[MaxRows];
            acc.Clear();
            for (; k + Int8Weight.BlockSize <= n; k += Int8Weight.BlockSize)
            {
                var scale = Vector256.Create(scales[k / Int8Weight.BlockSize]);
                for (int part = 0; part < Int8Weight.BlockSize; part += 8)
                {
                    var q = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref wr, k + part)))).AsSByte())) * scale;
                    for (int r = 0; r < rows; r++)
                        acc[r] = Vector256.FusedMultiplyAdd(q, Vector256.LoadUnsafe(ref xr, (nuint)(r * inFeatures + k + part)), acc[r]);
                }
            }
            for (int r = 0; r < rows; r++) sums[r] = Vector256.Sum(acc[r]);
        }
        // The rest (a last block shorter than 32, or no vector support), element by element.
        for (; k < n; k++)
        {
            float weightValue = w[k] * scales[k / Int8Weight.BlockSize];
            for (int r = 0; r < rows; r++) sums[r] += weightValue * x[r * inFeatures + k];
        }
    }

    /// <summary>The dot product of bfloat16 weights with float32 values, accumulated in float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float DotBf16(ReadOnlySpan<ushort> w, ReadOnlySpan<float> x)
    {
        int n = w.Length, k = 0;
        float sum = 0f;
        ref ushort wr = ref MemoryMarshal.GetReference(w);
        ref float xr = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated && n >= 32)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero;
            for (; k + 32 <= n; k += 32)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref wr, (nuint)k));
                a0 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(lo, 16).AsSingle(), Vector512.LoadUnsafe(ref xr, (nuint)k), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(hi, 16).AsSingle(), Vector512.LoadUnsafe(ref xr, (nuint)(k + 16)), a1);
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
            for (; k + 16 <= n; k += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref wr, (nuint)k));
                a0 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(lo, 16).AsSingle(), Vector256.LoadUnsafe(ref xr, (nuint)k), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(hi, 16).AsSingle(), Vector256.LoadUnsafe(ref xr, (nuint)(k + 8)), a1);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; k < n; k++) sum += BitConverter.UInt32BitsToSingle((uint)w[k] << 16) * x[k];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Widen(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
    }

    /// <summary>float32 → bfloat16, rounding to nearest even (NaN stays NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Narrow(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(source[i]);
            destination[i] = float.IsNaN(source[i]) ? (ushort)((bits >> 16) | 0x40) : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
        }
    }
}
