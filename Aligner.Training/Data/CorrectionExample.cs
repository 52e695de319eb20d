namespace Aligner.Training.Data;

/// <summary>
/// One supervised correction row: a question, an upstream model's answer and the corrected answer
/// (equal to the answer when the answer was already fine). The aligner-20K schema, plus an optional category.
/// </summary>
/// <param name="Question">The user's question.</param>
/// <param name="Answer">The upstream model's answer.</param>
/// <param name="Correction">The corrected answer the corrector should write.</param>
/// <param name="Category">An optional label such as <c>harmful</c>, <c>good</c>, <c>unhelpful</c> or <c>factual</c>.</param>
public sealed record CorrectionExample(string Question, string Answer, string Correction, string? Category = null)
{
    /// <summary>Whether the correction copies the answer unchanged (an identity row).</summary>
    public bool IsIdentity => string.Equals(Answer, Correction, StringComparison.Ordinal);

    /// <summary>This row with the correction replaced by the answer (a question-answer-answer row for identity warm-up).</summary>
    public CorrectionExample AsIdentity() => this with { Correction = Answer };
}
