namespace Aligner.Gguf;

/// <summary>Options of <see cref="GgufExporter.Export"/>.</summary>
public sealed record GgufExportOptions
{
    /// <summary>
    /// Element type of the matrices (embeddings and projections): <see cref="GgufTensorType.F32"/> (default),
    /// <see cref="GgufTensorType.F16"/>, <see cref="GgufTensorType.BF16"/> or <see cref="GgufTensorType.Q8_0"/> (8-bit blocks
    /// of 32 with an F16 scale; a matrix whose rows are not whole blocks is written F16). Norm weights, biases and rope
    /// factors stay F32, as <c>convert_hf_to_gguf.py</c> keeps them.
    /// </summary>
    public GgufTensorType WeightType { get; init; } = GgufTensorType.F32;

    /// <summary><c>general.name</c>; defaults to the checkpoint folder's name.</summary>
    public string? Name { get; init; }
}
