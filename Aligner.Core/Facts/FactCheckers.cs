namespace Aligner.Facts;

/// <summary>The shipped fact checkers.</summary>
public static class FactCheckers
{
    /// <summary>
    /// Arithmetic, unit conversions and capital cities, in that order (<see cref="ArithmeticFactChecker"/>,
    /// <see cref="UnitConversionFactChecker"/>, <see cref="CapitalCityFactChecker"/>).
    /// </summary>
    public static IReadOnlyList<IFactChecker> BuiltIn { get; } =
        [new ArithmeticFactChecker(), new UnitConversionFactChecker(), new CapitalCityFactChecker()];
}
