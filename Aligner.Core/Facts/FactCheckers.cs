namespace Aligner.Facts;

/// <summary>The shipped fact checkers.</summary>
public static class FactCheckers
{
    /// <summary>
    /// Arithmetic, unit conversions, capital cities, chemical elements and well-known quantities, in that order
    /// (<see cref="ArithmeticFactChecker"/>, <see cref="UnitConversionFactChecker"/>, <see cref="CapitalCityFactChecker"/>,
    /// <see cref="ChemicalElementFactChecker"/>, <see cref="WellKnownQuantityFactChecker"/>).
    /// </summary>
    public static IReadOnlyList<IFactChecker> BuiltIn { get; } =
        [new ArithmeticFactChecker(), new UnitConversionFactChecker(), new CapitalCityFactChecker(), new ChemicalElementFactChecker(), new WellKnownQuantityFactChecker()];

    /// <summary>Longest question the built-in checkers read, in characters; longer ones are left to the corrector.</summary>
    public const int MaxQuestionLength = 1_000;

    /// <summary>Longest answer the built-in checkers read, in characters: a checkable claim sits in a short answer, and this bounds their time on hostile input.</summary>
    public const int MaxAnswerLength = 4_000;

    /// <summary>Whether the word at <paramref name="index"/> opens a sentence, a quotation or a parenthesis.</summary>
    internal static bool StartsSentence(string text, int index)
    {
        int i = index - 1;
        while (i >= 0 && char.IsWhiteSpace(text[i])) i--;
        return i < 0 || text[i] is '.' or '!' or '?' or ':' or '"' or '“' or '(';
    }

    internal static bool IsCheckable(string question, string answer) =>
        question.Length <= MaxQuestionLength && answer.Length <= MaxAnswerLength;
}
