namespace Aligner.Training.Data;

/// <summary>
/// Which fields (JSONL keys or Parquet columns) hold the question, answer and correction. The defaults are the
/// aligner-20K names; e.g. <c>new CorrectionFieldMapping { Correction = "revised" }</c> maps another schema.
/// </summary>
public sealed record CorrectionFieldMapping
{
    /// <summary>The aligner-20K field names: <c>question</c>, <c>answer</c>, <c>correction</c>, <c>category</c>.</summary>
    public static CorrectionFieldMapping Default { get; } = new();

    /// <summary>Field of the question.</summary>
    public string Question { get; init; } = "question";

    /// <summary>Field of the upstream answer.</summary>
    public string Answer { get; init; } = "answer";

    /// <summary>Field of the corrected answer.</summary>
    public string Correction { get; init; } = "correction";

    /// <summary>Optional field of a category label; rows without it have no category. <see langword="null"/> ignores categories.</summary>
    public string? Category { get; init; } = "category";
}
