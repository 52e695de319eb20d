using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// A linear layer's weight <c>[out, in]</c> stored as signed 8-bit integers with one float32 scale per block of
/// <see cref="BlockSize"/> consecutive inputs of a row (symmetric: <c>w ≈ q · scale</c>, <c>q ∈ [−127, 127]</c>,
/// <c>scale = max|w| / 127</c> over the block), as llama.cpp's Q8_0 and ONNX Runtime's 8-bit <c>MatMulNBits</c> with
/// block 32 store it. A decode step reads it in place (<see cref="RowLinear"/>); larger inputs (prefill) multiply by a
/// dequantized copy made for that call.
/// </summary>
internal sealed class Int8Weight : IDisposable
{
    /// <summary>Inputs per scale.</summary>
    public const int BlockSize = 32;

    private Int8Weight(Tensor values, Tensor scales)
    {
        Values = values;
        Scales = scales;
    }

    /// <summary>The quantized values, <c>[out, in]</c>, <see cref="ScalarType.Int8"/>, contiguous.</summary>
    public Tensor Values { get; }

    /// <summary>The scales, <c>[out, ceil(in / 32)]</c>, float32, contiguous.</summary>
    public Tensor Scales { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures => Values.shape[0];

    /// <summary>Input width.</summary>
    public long InFeatures => Values.shape[1];

    /// <summary>Scales per row.</summary>
    public int Blocks => (int)Scales.shape[1];

    /// <summary>Bytes held (values and scales).</summary>
    public long Bytes => Values.numel() + Scales.numel() * sizeof(float);

    /// <summary>Quantizes a CPU float32, bfloat16 or float16 weight <c>[out, in]</c> (rows in parallel).</summary>
    /// <exception cref="ArgumentException">The weight is not a 2-D contiguous CPU float32/bfloat16 tensor.</exception>
    public static unsafe Int8Weight Quantize(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.dim() != 2 || weight.device_type != DeviceType.CPU || weight.dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"Int8 weights are made from 2-D CPU float weights (got {weight.dtype} {string.Join('x', weight.shape)} on {weight.device_type}).", nameof(weight));
        // Every intermediate handle is disposed: one left to the finaliser would keep the float storage alive after the
        // caller releases it (an int8 load would hold all the 16-bit weights until a garbage collection).
        using var detached = weight.detach();
        using var widened = weight.dtype == ScalarType.Float16 ? detached.to(ScalarType.Float32) : null;
        using var source = (widened ?? detached).contiguous();
        int rows = checked((int)source.shape[0]), columns = checked((int)source.shape[1]);
        int blocks = (columns + BlockSize - 1) / BlockSize;
        var values = empty([rows, columns], ScalarType.Int8, weight.device);
        var scales = empty([rows, blocks], ScalarType.Float32, weight.device);
        bool bf16 = source.dtype == ScalarType.BFloat16;
        fixed (byte* src = source.bytes)
        fixed (byte* dst = values.bytes)
        fixed (byte* sc = scales.bytes)
        {
            nint s = (nint)src, d = (nint)dst, c = (nint)sc;
            Parallel.For(0, rows, () => new float[columns], (row, _, buffer) =>
            {
                if (bf16) RowLinear.Widen(new ReadOnlySpan<ushort>((ushort*)s + (long)row * columns, columns), buffer);
                else new ReadOnlySpan<float>((float*)s + (long)row * columns, columns).CopyTo(buffer);
                QuantizeRow(buffer, new Span<sbyte>((sbyte*)d + (long)row * columns, columns), new Span<float>((float*)c + (long)row * blocks, blocks));
                return buffer;
            }, _ => { });
        }
        return new Int8Weight(values, scales);
    }

    /// <summary>Quantizes one row: per block, <c>scale = max|w| / 127</c> and <c>q = round(w / scale)</c> (ties to even).</summary>
    internal static void QuantizeRow(ReadOnlySpan<float> row, Span<sbyte> values, Span<float> scales)
    {
        for (int b = 0; b < scales.Length; b++)
        {
            int start = b * BlockSize, length = Math.Min(BlockSize, row.Length - start);
            var block = row.Slice(start, length);
            float max = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(block);
            max = Math.Abs(max);
            float scale = max / 127f;
            scales[b] = scale;
            float inverse = scale > 0 ? 1f / scale : 0f;
            for (int i = 0; i < length; i++) values[start + i] = (sbyte)Math.Clamp(MathF.Round(block[i] * inverse), -127f, 127f);
        }
    }

    /// <summary>Rows <c>[start, start + count)</c> as a view over the same memory (a part of a packed projection).</summary>
    public Int8Weight Rows(long start, long count)
    {
        using var v = Values.narrow(0, start, count);
        using var s = Scales.narrow(0, start, count);
        return new Int8Weight(v.alias(), s.alias());
    }

    /// <summary>
    /// The weight as <paramref name="dtype"/> (<c>q · scale</c>), a new tensor, written in one pass over the rows in
    /// parallel (float32 and bfloat16, rounded to nearest even; other dtypes through float32).
    /// </summary>
    public unsafe Tensor Dequantize(ScalarType dtype)
    {
        var target = dtype is ScalarType.Float32 or ScalarType.BFloat16 ? dtype : ScalarType.Float32;
        int rows = checked((int)OutFeatures), columns = checked((int)InFeatures), blocks = Blocks;
        var result = empty([rows, columns], target, Values.device);
        bool bf16 = target == ScalarType.BFloat16;
        fixed (byte* q = Values.bytes)
        fixed (byte* sc = Scales.bytes)
        fixed (byte* dst = result.bytes)
        {
            nint qp = (nint)q, sp = (nint)sc, dp = (nint)dst;
            Parallel.For(0, rows, () => new float[columns], (row, _, buffer) =>
            {
                var values = new ReadOnlySpan<sbyte>((sbyte*)qp + (long)row * columns, columns);
                var scales = new ReadOnlySpan<float>((float*)sp + (long)row * blocks, blocks);
                for (int i = 0; i < columns; i++) buffer[i] = values[i] * scales[i / BlockSize];
                if (bf16) RowLinear.Narrow(buffer, new Span<ushort>((ushort*)dp + (long)row * columns, columns));
                else buffer.AsSpan().CopyTo(new Span<float>((float*)dp + (long)row * columns, columns));
                return buffer;
            }, _ => { });
        }
        if (target == dtype) return result;
        using (result) return result.to(dtype);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // A view (Rows) holds its own handles on the packed storage: disposing it releases only those.
        Values.Dispose();
        Scales.Dispose();
    }
}
