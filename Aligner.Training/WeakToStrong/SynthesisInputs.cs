using Aligner.Training.Data;

namespace Aligner.Training.WeakToStrong;

/// <summary>Ways to obtain <see cref="SynthesisInput"/> rows.</summary>
public static class SynthesisInputs
{
    /// <summary>
    /// Reads (question, answer) rows from a JSONL or Parquet dataset with <see cref="CorrectionDatasetReader"/>; a
    /// correction field is not needed. Keys are the default hashes.
    /// </summary>
    /// <param name="path">A <c>.jsonl</c> or <c>.parquet</c> file.</param>
    /// <param name="mapping">Field names of question and answer; the aligner-20K names when null.</param>
    /// <exception cref="DatasetFormatException">The file is missing or a row lacks the question or answer.</exception>
    public static IReadOnlyList<SynthesisInput> FromDataset(string path, CorrectionFieldMapping? mapping = null)
    {
        mapping ??= CorrectionFieldMapping.Default;
        var rows = CorrectionDatasetReader.Read(path, mapping with { Correction = mapping.Answer, Category = null });
        return rows.Select(r => new SynthesisInput(r.Question, r.Answer)).ToArray();
    }

    /// <summary>Rows with questions only; the synthesizer's upstream chat client answers them.</summary>
    /// <param name="questions">The questions.</param>
    public static IReadOnlyList<SynthesisInput> FromQuestions(IEnumerable<string> questions)
    {
        ArgumentNullException.ThrowIfNull(questions);
        return questions.Select(q => new SynthesisInput(q)).ToArray();
    }
}
