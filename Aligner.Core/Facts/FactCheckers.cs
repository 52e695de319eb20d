namespace Aligner.Facts;

/// <summary>The shipped fact checkers.</summary>
public static class FactCheckers
{
    /// <summary>
    /// Arithmetic, unit conversions, capital cities and chemical elements, in that order (<see cref="ArithmeticFactChecker"/>,
    /// <see cref="UnitConversionFactChecker"/>, <see cref="CapitalCityFactChecker"/>, <see cref="ChemicalElementFactChecker"/>).
    /// </summary>
    public static IReadOnlyList<IFactChecker> BuiltIn { get; } =
        [new ArithmeticFactChecker(), new UnitConversionFactChecker(), new CapitalCityFactChecker(), new ChemicalElementFactChecker()];

    /// <summary>Longest question the built-in checkers read, in characters; longer ones are left to the corrector.</summary>
    public const int MaxQuestionLength = 1_000;

    /// <summary>Longest answer the built-in checkers read, in characters: a checkable claim sits in a short answer, and this bounds their time on hostile input.</summary>
    public const int MaxAnswerLength = 4_000;

    internal static bool IsCheckable(string question, string answer) =>
        question.Length <= MaxQuestionLength && answer.Length <= MaxAnswerLength;
}
