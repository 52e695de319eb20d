using System.Text.RegularExpressions;

namespace Aligner.Facts;

/// <summary>
/// A unit of measurement: its dimension and its size in the dimension's base unit. Units whose size depends on a
/// convention (US or imperial pint, 1000 or 1024 bytes, a 365- or 366-day year) list every accepted size; the first is
/// the one a correction uses.
/// </summary>
internal sealed record MeasurementUnit(string Id, string Dimension, double[] Sizes, double Offset = 0)
{
    /// <summary>Converts <paramref name="quantity"/> of this unit to <paramref name="target"/> with the given sizes.</summary>
    public double ConvertTo(double quantity, MeasurementUnit target, double fromSize, double toSize) =>
        (quantity * fromSize + Offset - target.Offset) / toSize;

    /// <summary>The conversion with the first (canonical) sizes.</summary>
    public double ConvertTo(double quantity, MeasurementUnit target) => ConvertTo(quantity, target, Sizes[0], target.Sizes[0]);

    /// <summary>Every value the conversion may have under the accepted conventions.</summary>
    public IEnumerable<double> AcceptedConversions(double quantity, MeasurementUnit target)
    {
        foreach (var from in Sizes)
            foreach (var to in target.Sizes)
                yield return ConvertTo(quantity, target, from, to);
    }
}

/// <summary>A unit named in a text.</summary>
internal readonly record struct UnitMention(int Start, int Length, MeasurementUnit Unit)
{
    public int End => Start + Length;
}

/// <summary>The units the checker knows, and finding them in text: full names anywhere, abbreviations only right after a number.</summary>
internal static partial class MeasurementUnits
{
    private const double Day = 86_400, Year = 365 * Day;
    private static readonly Dictionary<string, MeasurementUnit> ByName = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<string, MeasurementUnit> ByAbbreviation = new(StringComparer.Ordinal);
    private static readonly Regex Names, Abbreviations;

    static MeasurementUnits()
    {
        // Length (metre).
        Add("mm", "length", [0.001], ["millimetre", "millimeter", "millimetres", "millimeters"], ["mm"]);
        Add("cm", "length", [0.01], ["centimetre", "centimeter", "centimetres", "centimeters"], ["cm"]);
        Add("m", "length", [1], ["metre", "meter", "metres", "meters"], ["m"]);
        Add("km", "length", [1000], ["kilometre", "kilometer", "kilometres", "kilometers"], ["km", "kms"]);
        Add("in", "length", [0.0254], ["inch", "inches"], []);
        Add("ft", "length", [0.3048], ["foot", "feet"], ["ft"]);
        Add("yd", "length", [0.9144], ["yard", "yards"], ["yd", "yds"]);
        Add("mi", "length", [1609.344], ["mile", "miles", "statute mile", "statute miles"], ["mi"]);
        Add("nmi", "length", [1852], ["nautical mile", "nautical miles"], ["nmi"]);
        // Mass (kilogram).
        Add("mg", "mass", [1e-6], ["milligram", "milligrams", "milligramme", "milligrammes"], ["mg"]);
        Add("g", "mass", [0.001], ["gram", "grams", "gramme", "grammes"], ["g"]);
        Add("kg", "mass", [1], ["kilogram", "kilograms", "kilogramme", "kilogrammes", "kilo", "kilos"], ["kg", "kgs"]);
        Add("t", "mass", [1000], ["tonne", "tonnes", "metric ton", "metric tons"], []);
        Add("ton", "mass", [907.18474, 1016.0469088, 1000], ["ton", "tons", "short ton", "short tons"], []);
        Add("oz", "mass", [0.028349523125], ["ounce", "ounces"], ["oz"]);
        Add("lb", "mass", [0.45359237], ["pound", "pounds"], ["lb", "lbs"]);
        Add("st", "mass", [6.35029318], ["stone", "stones"], []);
        // Volume (millilitre).
        Add("ml", "volume", [1], ["millilitre", "milliliter", "millilitres", "milliliters"], ["ml", "mL"]);
        Add("cl", "volume", [10], ["centilitre", "centiliter", "centilitres", "centiliters"], ["cl", "cL"]);
        Add("l", "volume", [1000], ["litre", "liter", "litres", "liters"], ["L"]);
        Add("tsp", "volume", [4.92892159375, 5], ["teaspoon", "teaspoons"], ["tsp"]);
        Add("tbsp", "volume", [14.78676478125, 15], ["tablespoon", "tablespoons"], ["tbsp"]);
        Add("floz", "volume", [29.5735295625, 28.4130625], ["fluid ounce", "fluid ounces"], ["fl oz", "fl. oz."]);
        Add("cup", "volume", [236.5882365, 250, 240], ["cup", "cups"], []);
        Add("pint", "volume", [473.176473, 568.26125], ["pint", "pints"], ["pt"]);
        Add("quart", "volume", [946.352946, 1136.5225], ["quart", "quarts"], ["qt"]);
        Add("gal", "volume", [3785.411784, 4546.09], ["gallon", "gallons"], ["gal"]);
        // Time (second).
        Add("ms", "time", [0.001], ["millisecond", "milliseconds"], ["ms"]);
        Add("s", "time", [1], ["second", "seconds"], ["sec", "secs"]);
        Add("min", "time", [60], ["minute", "minutes"], ["min", "mins"]);
        Add("h", "time", [3600], ["hour", "hours"], ["hr", "hrs"]);
        Add("d", "time", [Day], ["day", "days"], []);
        Add("wk", "time", [7 * Day], ["week", "weeks"], []);
        Add("fortnight", "time", [14 * Day], ["fortnight", "fortnights"], []);
        Add("month", "time", [Year / 12, 365.25 * Day / 12, 28 * Day, 29 * Day, 30 * Day, 31 * Day], ["month", "months"], []);
        Add("yr", "time", [Year, 366 * Day, 365.25 * Day, 365.2425 * Day], ["year", "years"], []);
        Add("decade", "time", [10 * Year, 3652 * Day, 3653 * Day], ["decade", "decades"], []);
        Add("century", "time", [100 * Year, 36524 * Day, 36525 * Day], ["century", "centuries"], []);
        Add("millennium", "time", [1000 * Year, 365242 * Day, 365250 * Day], ["millennium", "millennia", "millenniums"], []);
        // Speed (metre per second).
        Add("kmh", "speed", [1 / 3.6], ["kilometres per hour", "kilometers per hour", "kilometre per hour", "kilometer per hour"], ["km/h", "kph", "kmh", "km/hr"]);
        Add("mph", "speed", [0.44704], ["miles per hour", "mile per hour"], ["mph"]);
        Add("mps", "speed", [1], ["metres per second", "meters per second", "metre per second", "meter per second"], ["m/s"]);
        Add("kmps", "speed", [1000], ["kilometres per second", "kilometers per second", "kilometre per second", "kilometer per second", "km per second", "kilometres a second", "kilometers a second", "km a second"], ["km/s", "km/sec"]);
        Add("mips", "speed", [1609.344], ["miles per second", "mile per second", "miles a second"], ["mi/s"]);
        Add("knot", "speed", [1852 / 3600.0], ["knot", "knots"], ["kn", "kt"]);
        // Data (byte).
        Add("bit", "data", [0.125], ["bit", "bits"], []);
        Add("byte", "data", [1], ["byte", "bytes"], ["B"]);
        Add("kb", "data", [1000, 1024], ["kilobyte", "kilobytes"], ["KB", "kB"]);
        Add("mb", "data", [1e6, 1 << 20], ["megabyte", "megabytes"], ["MB"]);
        Add("gb", "data", [1e9, 1 << 30], ["gigabyte", "gigabytes"], ["GB"]);
        Add("tb", "data", [1e12, 1L << 40], ["terabyte", "terabytes"], ["TB"]);
        Add("kib", "data", [1024], ["kibibyte", "kibibytes"], ["KiB"]);
        Add("mib", "data", [1 << 20], ["mebibyte", "mebibytes"], ["MiB"]);
        Add("gib", "data", [1 << 30], ["gibibyte", "gibibytes"], ["GiB"]);
        // Temperature (kelvin), with offsets.
        Add("c", "temperature", [1], ["°C", "° C", "ºC", "degrees celsius", "degree celsius", "degrees centigrade", "degrees C", "celsius", "centigrade"], ["C"], 273.15);
        Add("f", "temperature", [5 / 9.0], ["°F", "° F", "ºF", "degrees fahrenheit", "degree fahrenheit", "degrees F", "fahrenheit"], ["F"], 273.15 - 32 * 5 / 9.0);
        Add("k", "temperature", [1], ["kelvin", "kelvins", "degrees kelvin"], ["K"]);

        Names = new Regex(@"(?<![\p{L}])(?:" + string.Join("|", ByName.Keys.OrderByDescending(k => k.Length).Select(Pattern)) + @")(?![\p{L}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        Abbreviations = new Regex(@"(?<=\d\s?)(?:" + string.Join("|", ByAbbreviation.Keys.OrderByDescending(k => k.Length).Select(Pattern)) + @")(?![\p{L}/])",
            RegexOptions.CultureInvariant);

        static string Pattern(string name) => Regex.Escape(name).Replace(@"\ ", @"\s+");
    }

    /// <summary>The unit with id <paramref name="id"/> (e.g. <c>c</c>, <c>km</c>, <c>kmps</c>), or <see langword="null"/>.</summary>
    public static MeasurementUnit? ById(string id) =>
        ByName.Values.Concat(ByAbbreviation.Values).FirstOrDefault(u => string.Equals(u.Id, id, StringComparison.Ordinal));

    /// <summary>Whether a lower-case word is a unit's name or abbreviation, or a word of one ("degrees", "celsius", "per", "c").</summary>
    public static bool IsUnitWord(string word) => UnitWords.Value.Contains(word);

    private static readonly Lazy<HashSet<string>> UnitWords = new(() =>
        new HashSet<string>(ByName.Keys.Concat(ByAbbreviation.Keys).SelectMany(n => n.ToLowerInvariant().Split(' ', '/', '°', 'º', '.')).Where(w => w.Length > 0), StringComparer.Ordinal));

    private static void Add(string id, string dimension, double[] sizes, string[] names, string[] abbreviations, double offset = 0)
    {
        var unit = new MeasurementUnit(id, dimension, sizes, offset);
        foreach (var n in names) ByName[n] = unit;
        foreach (var a in abbreviations) ByAbbreviation[a] = unit;
    }

    /// <summary>The units named in <paramref name="text"/>, in order, longest names first where they overlap.</summary>
    public static List<UnitMention> Find(string text)
    {
        var found = new List<UnitMention>();
        foreach (Match m in Names.Matches(text))
            found.Add(new UnitMention(m.Index, m.Length, ByName[Spaces().Replace(m.Value, " ")]));
        foreach (Match m in Abbreviations.Matches(text))
            if (!found.Any(f => m.Index < f.End && f.Start < m.Index + m.Length))
                found.Add(new UnitMention(m.Index, m.Length, ByAbbreviation[Spaces().Replace(m.Value, " ")]));
        found.Sort((a, b) => a.Start.CompareTo(b.Start));
        return found;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
