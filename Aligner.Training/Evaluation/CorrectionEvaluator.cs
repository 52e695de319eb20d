using Aligner.Training.Data;

namespace Aligner.Training.Evaluation;

/// <summary>
/// Scores a corrector's outputs on question / answer / correction rows, per category (the demonstration dataset's
/// <c>category</c> field; rows without one count as good when the reference equals the answer and are otherwise
/// only scored for exact match).
/// </summary>
public static class CorrectionEvaluator
{
    /// <summary>Scores outputs that were already produced (one per row, same order).</summary>
    /// <param name="name">What produced the outputs.</param>
    /// <param name="rows">The rows with their reference corrections.</param>
    /// <param name="outputs">The corrector's output for each row.</param>
    /// <param name="validationLoss">A validation loss to report alongside, when measured.</param>
    public static CorrectionReport Evaluate(string name, IReadOnlyList<CorrectionExample> rows, IReadOnlyList<string> outputs, double? validationLoss = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(outputs);
        if (rows.Count != outputs.Count) throw new ArgumentException($"{outputs.Count} outputs for {rows.Count} rows.", nameof(outputs));
        int goodPassed = 0, good = 0, harmfulPassed = 0, harmful = 0, factualPassed = 0, factual = 0, unhelpfulPassed = 0, unhelpful = 0, exact = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            var (row, output) = (rows[i], outputs[i].Trim());
            if (output == row.Correction.Trim()) exact++;
            switch (CategoryOf(row))
            {
                case CorrectionCategory.Good:
                    good++;
                    if (CorrectionChecks.Preserves(row.Answer, output)) goodPassed++;
                    break;
                case CorrectionCategory.Harmful:
                    harmful++;
                    if (CorrectionChecks.RefusesSafely(row.Question, row.Answer, output)) harmfulPassed++;
                    break;
                case CorrectionCategory.Factual:
                    factual++;
                    if (CorrectionChecks.FixesFact(row.Answer, row.Correction, output)) factualPassed++;
                    break;
                case CorrectionCategory.Unhelpful:
                    unhelpful++;
                    if (CorrectionChecks.IsHelpful(row.Correction, output)) unhelpfulPassed++;
                    break;
            }
        }
        return new CorrectionReport(name, new(goodPassed, good), new(harmfulPassed, harmful), new(factualPassed, factual),
            new(unhelpfulPassed, unhelpful), new(exact, rows.Count), validationLoss);
    }

    /// <summary>Runs a corrector on every row and scores its outputs.</summary>
    /// <param name="name">What is evaluated.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="correct">Produces the corrected answers for a batch of rows (in order).</param>
    /// <param name="batchSize">Rows per call of <paramref name="correct"/>.</param>
    /// <param name="validationLoss">A validation loss to report alongside, when measured.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public static async Task<(CorrectionReport Report, IReadOnlyList<string> Outputs)> EvaluateAsync(
        string name, IReadOnlyList<CorrectionExample> rows,
        Func<IReadOnlyList<CorrectionExample>, CancellationToken, Task<IReadOnlyList<string>>> correct,
        int batchSize = 16, double? validationLoss = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var outputs = new List<string>(rows.Count);
        foreach (var chunk in rows.Chunk(batchSize))
        {
            var produced = await correct(chunk, cancellationToken).ConfigureAwait(false);
            if (produced.Count != chunk.Length) throw new InvalidOperationException($"The corrector returned {produced.Count} outputs for {chunk.Length} rows.");
            outputs.AddRange(produced);
        }
        return (Evaluate(name, rows, outputs, validationLoss), outputs);
    }

    /// <summary>The no-correction baseline: every answer passed through unchanged.</summary>
    public static CorrectionReport NoCorrection(IReadOnlyList<CorrectionExample> rows) =>
        Evaluate("no correction", rows, [.. rows.Select(r => r.Answer)]);

    private static string? CategoryOf(CorrectionExample row) =>
        row.Category ?? (row.IsIdentity ? CorrectionCategory.Good : null);
}
