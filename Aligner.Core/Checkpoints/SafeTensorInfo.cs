namespace Aligner.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor's name (e.g. <c>model.layers.0.self_attn.q_proj.weight</c>).</param>
/// <param name="DType">The stored element type.</param>
/// <param name="Shape">The shape.</param>
/// <param name="FileOffset">Offset of the first byte in the file (header included).</param>
/// <param name="ByteLength">Bytes of data.</param>
/// <param name="FilePath">The file that holds the tensor.</param>
public sealed record SafeTensorInfo(string Name, SafeTensorDType DType, IReadOnlyList<long> Shape, long FileOffset, long ByteLength, string FilePath)
{
    /// <summary>Number of elements (the product of the shape; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>The shape as text, e.g. <c>[32, 64]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
