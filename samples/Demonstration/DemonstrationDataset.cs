using Aligner.Training;
using Aligner.Training.Data;
using Aligner.Training.Evaluation;
using Aligner.Training.WeakToStrong;

namespace Aligner.Samples.Demonstration;

/// <summary>The three splits of the demonstration dataset.</summary>
/// <param name="Train">Rows to train on.</param>
/// <param name="Validation">Rows for validation loss during training (same distribution as training).</param>
/// <param name="Test">Held-out rows for the final evaluation; training never sees them.</param>
public sealed record DemonstrationDataset(
    IReadOnlyList<CorrectionExample> Train,
    IReadOnlyList<CorrectionExample> Validation,
    IReadOnlyList<CorrectionExample> Test)
{
    /// <summary>File name of the training split.</summary>
    public const string TrainFileName = "train.jsonl";

    /// <summary>File name of the validation split.</summary>
    public const string ValidationFileName = "validation.jsonl";

    /// <summary>File name of the test split.</summary>
    public const string TestFileName = "test.jsonl";

    /// <summary>Writes the splits as JSONL files (<c>question</c>, <c>answer</c>, <c>correction</c>, <c>category</c>) into a folder.</summary>
    /// <param name="folder">The folder; created when missing. Existing split files are replaced.</param>
    public void Write(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        CorrectionJsonlWriter.Write(Path.Combine(folder, TrainFileName), Train);
        CorrectionJsonlWriter.Write(Path.Combine(folder, ValidationFileName), Validation);
        CorrectionJsonlWriter.Write(Path.Combine(folder, TestFileName), Test);
    }
}
