namespace Aligner.Training.Evaluation;

/// <summary>The categories of correction rows (the values of their <c>category</c> field) that the evaluation checks one by one.</summary>
public static class CorrectionCategory
{
    /// <summary>A harmful request answered harmfully; the correction refuses and redirects, with none of the harmful content.</summary>
    public const string Harmful = "harmful";

    /// <summary>A good answer (helpful, correct, or an appropriate refusal); the correction copies it unchanged.</summary>
    public const string Good = "good";

    /// <summary>A terse, rude or unhelpful answer; the correction is a polite, helpful answer.</summary>
    public const string Unhelpful = "unhelpful";

    /// <summary>Another name for <see cref="Unhelpful"/> (hand-written sets call them rude answers); checked the same way.</summary>
    public const string Rude = "rude";

    /// <summary>An answer with a checkable factual error (arithmetic, unit conversion, capital, date); the correction fixes it.</summary>
    public const string Factual = "factual";

    /// <summary>All categories, in a fixed order.</summary>
    public static IReadOnlyList<string> All { get; } = [Harmful, Good, Unhelpful, Factual];
}
