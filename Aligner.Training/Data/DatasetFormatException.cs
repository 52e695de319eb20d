namespace Aligner.Training.Data;

/// <summary>
/// A dataset file is missing, malformed or lacks a required field. <see cref="FilePath"/>, <see cref="Row"/>
/// (the 1-based line of a JSONL file or row of a Parquet file) and <see cref="Field"/> say where.
/// </summary>
public sealed class DatasetFormatException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The dataset file.</param>
    /// <param name="row">The 1-based line (JSONL) or row (Parquet), when one can be named.</param>
    /// <param name="field">The field that was wrong, when one can be named.</param>
    /// <param name="problem">What was wrong, in words.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public DatasetFormatException(string filePath, long? row, string? field, string problem, Exception? innerException = null)
        : base(Format(filePath, row, field, problem), innerException)
    {
        FilePath = filePath;
        Row = row;
        Field = field;
        Problem = problem;
    }

    /// <summary>The dataset file.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line (JSONL) or row (Parquet), or <see langword="null"/>.</summary>
    public long? Row { get; }

    /// <summary>The field that was wrong, or <see langword="null"/>.</summary>
    public string? Field { get; }

    /// <summary>What was wrong.</summary>
    public string Problem { get; }

    private static string Format(string filePath, long? row, string? field, string problem)
    {
        var where = row is null ? filePath : $"{filePath}:{row}";
        return field is null ? $"{where}: {problem}" : $"{where}: field '{field}': {problem}";
    }
}
