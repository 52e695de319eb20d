namespace Aligner.Gguf;

/// <summary>One tensor's entry in a GGUF file.</summary>
/// <param name="Name">The tensor's name (e.g. <c>blk.0.attn_q.weight</c>).</param>
/// <param name="Type">The element type.</param>
/// <param name="Dimensions">The dimensions in ggml order: <c>Dimensions[0]</c> is the innermost (contiguous) one, so a PyTorch
/// weight of shape <c>[out, in]</c> is stored as <c>[in, out]</c>.</param>
/// <param name="Offset">Offset of the data from the start of the file's data section.</param>
public sealed record GgufTensorInfo(string Name, GgufTensorType Type, IReadOnlyList<long> Dimensions, long Offset)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Dimensions) n *= d;
            return n;
        }
    }

    /// <summary>Bytes of data.</summary>
    public long ByteLength => Type.ByteCount(ElementCount);

    /// <summary>The shape in PyTorch order (outermost first): the reverse of <see cref="Dimensions"/>.</summary>
    public IReadOnlyList<long> TorchShape => [.. Dimensions.Reverse()];
}
