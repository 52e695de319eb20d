namespace Aligner.Gguf;

/// <summary>
/// The element types of GGUF tensors that Aligner writes and reads (ggml's <c>ggml_type</c> numbers).
/// Other quantized types are refused by the reader with a <see cref="NotSupportedModelException"/>.
/// </summary>
public enum GgufTensorType : uint
{
    /// <summary>32-bit float.</summary>
    F32 = 0,
    /// <summary>IEEE half precision.</summary>
    F16 = 1,
    /// <summary>bfloat16.</summary>
    BF16 = 30,
    /// <summary>
    /// 8-bit blocks: each run of 32 values along the innermost dimension is stored as an F16 scale <c>d = max|x| / 127</c>
    /// followed by 32 signed bytes <c>round(x / d)</c> (34 bytes; ggml's <c>block_q8_0</c>). The innermost dimension
    /// must be a multiple of 32.
    /// </summary>
    Q8_0 = 8,
}

/// <summary>Helpers for <see cref="GgufTensorType"/>.</summary>
public static class GgufTensorTypes
{
    /// <summary>Elements per block: 32 for <see cref="GgufTensorType.Q8_0"/>, else 1.</summary>
    public static int BlockSize(this GgufTensorType type) => type == GgufTensorType.Q8_0 ? Q8Block : 1;

    /// <summary>Bytes per block (per element for the unquantized types).</summary>
    public static int BlockBytes(this GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => 4,
        GgufTensorType.F16 or GgufTensorType.BF16 => 2,
        GgufTensorType.Q8_0 => 2 + Q8Block,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Bytes per element of an unquantized type.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A block-quantized type (use <see cref="ByteCount"/>).</exception>
    public static int SizeInBytes(this GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => 4,
        GgufTensorType.F16 or GgufTensorType.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "a block-quantized type has no size per element; use ByteCount."),
    };

    /// <summary>Bytes of <paramref name="elements"/> values (a whole number of blocks).</summary>
    /// <exception cref="ArgumentException"><paramref name="elements"/> is not a multiple of the block size.</exception>
    public static long ByteCount(this GgufTensorType type, long elements)
    {
        int block = type.BlockSize();
        if (elements % block != 0) throw new ArgumentException($"{elements} elements are not a whole number of {type} blocks of {block}.", nameof(elements));
        return checked(elements / block * type.BlockBytes());
    }

    private const int Q8Block = 32;

    /// <summary>Quantizes values to <see cref="GgufTensorType.Q8_0"/> blocks exactly as ggml's <c>quantize_row_q8_0_ref</c>.</summary>
    /// <param name="values">A whole number of 32-value blocks.</param>
    /// <param name="destination">34 bytes per block.</param>
    public static void QuantizeQ8_0(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (values.Length % Q8Block != 0) throw new ArgumentException($"{values.Length} values are not a whole number of Q8_0 blocks of {Q8Block}.", nameof(values));
        if (destination.Length != values.Length / Q8Block * (2 + Q8Block)) throw new ArgumentException("destination has the wrong length.", nameof(destination));
        for (int b = 0; b < values.Length / Q8Block; b++)
        {
            var x = values.Slice(b * Q8Block, Q8Block);
            var y = destination.Slice(b * (2 + Q8Block), 2 + Q8Block);
            float amax = 0;
            foreach (float v in x) amax = Math.Max(amax, Math.Abs(v));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            System.Buffers.Binary.BinaryPrimitives.WriteHalfLittleEndian(y, (Half)d);
            for (int j = 0; j < Q8Block; j++) y[2 + j] = unchecked((byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero));
        }
    }

    /// <summary>Expands <see cref="GgufTensorType.Q8_0"/> blocks back to values (<c>d × q</c>), as ggml's <c>dequantize_row_q8_0</c>.</summary>
    public static void DequantizeQ8_0(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        if (blocks.Length % (2 + Q8Block) != 0 || destination.Length != blocks.Length / (2 + Q8Block) * Q8Block)
            throw new ArgumentException("Q8_0 data and destination lengths do not match.", nameof(blocks));
        for (int b = 0; b < destination.Length / Q8Block; b++)
        {
            var y = blocks.Slice(b * (2 + Q8Block), 2 + Q8Block);
            float d = (float)System.Buffers.Binary.BinaryPrimitives.ReadHalfLittleEndian(y);
            for (int j = 0; j < Q8Block; j++) destination[b * Q8Block + j] = d * (sbyte)y[2 + j];
        }
    }
}
