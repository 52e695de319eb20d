using System.Globalization;
using System.Text.RegularExpressions;

namespace Aligner.Facts;

/// <summary>
/// Checks numbers that everyone can look up and that do not change: the boiling and freezing points of water, absolute
/// zero, the speeds of light and sound, the planets of the solar system, human chromosomes, teeth and bones, the legs of
/// insects and spiders, the continents and oceans, the states of the USA, the height of Everest, the players of a team,
/// the keys of a piano, the years of a few events everyone is taught ("When did the Titanic sink?"), and so on. The table
/// (<c>Facts/Data/quantities.tsv</c>, written by hand from standard references) names, for each quantity, the words a
/// question about it must contain and the only other words it may contain: a question with any other word ("How many
/// planets have rings?") asks something else and is left alone, as are yes/no questions and questions with numbers of
/// their own. In the answer, a number counts as the claim when it carries the quantity's unit (any unit of its dimension:
/// "212 °F" for a boiling point in Celsius is right) or counted noun ("two small moons"), or is the answer's only
/// number. An answer that states the right value anywhere, states a range, or writes numbers it cannot read
/// ("150 million", "3 × 10⁸") is left alone; a wrong claim is replaced in the unit and style it was written in
/// ("nine planets" → "eight planets", "200 degrees Fahrenheit" → "212 degrees Fahrenheit").
/// </summary>
public sealed partial class WellKnownQuantityFactChecker : IFactChecker, Knowledge.IKnowledgeSource
{
    private enum Kind { Unit, Noun, Year, Number }

    private sealed record Claim(double Value, int Decimals, double Tolerance, bool RelativeTolerance, Kind Kind, MeasurementUnit? Unit, string[] Nouns);

    private sealed record Quantity(string[][] Topic, HashSet<string> Allowed, Claim[] Claims, string Answer);

    private static readonly Lazy<Quantity[]> Table = new(Load);

    /// <inheritdoc />
    public string Id => "well-known-quantity";

    /// <inheritdoc />
    public FactCheck? Check(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (!FactCheckers.IsCheckable(question, answer)) return null;
        if (Match(question) is not { } quantity) return null;
        var numbers = NumberText.Find(answer);
        if (numbers.Count == 0 || Unreadable().IsMatch(answer)) return null;
        var units = MeasurementUnits.Find(answer);
        var asked = MeasurementUnits.Find(question).Select(u => u.Unit).ToList();
        int words = WordCount().Matches(answer).Count;

        var unitsAfter = numbers.Select(n => UnitAfter(answer, n, units)).ToArray();
        var replacements = new List<(NumberMention Claim, string Expected, string Reason)>();
        foreach (var claim in quantity.Claims)
        {
            // Every number that states this claim, with the unit it was stated in.
            var stated = new List<(NumberMention N, MeasurementUnit? Unit)>();
            for (int k = 0; k < numbers.Count; k++)
            {
                var (n, unit) = (numbers[k], unitsAfter[k]);
                switch (claim.Kind)
                {
                    case Kind.Unit when unit is not null && ChecksUnit(quantity, claim, unit):
                        stated.Add((n, unit));
                        break;
                    case Kind.Noun when NounAfter(answer, n, claim.Nouns):
                        stated.Add((n, null));
                        break;
                    case Kind.Year when unit is null && n.Decimals == 0 && !n.IsWord && n.Length == 4 && n.Value is >= 1000 and <= 2100:
                        stated.Add((n, null));
                        break;
                }
            }
            if (stated.Count == 0 && words <= 12 && answer.Length <= 150 && numbers.Count == 1 && unitsAfter[0] is null)
            {
                // The answer's only number, without a unit: the claim in the unit the question asks for, if any.
                var n = numbers[0];
                if (claim.Kind == Kind.Unit)
                {
                    if (asked.FirstOrDefault(u => u.Dimension == claim.Unit!.Dimension) is { } inQuestion && ChecksUnit(quantity, claim, inQuestion))
                        stated.Add((n, inQuestion));
                }
                else if (EndsClaim(answer, n) && (claim.Kind != Kind.Year || (n.Length == 4 && !n.IsWord && n.Value is >= 1000 and <= 2100)))
                    stated.Add((n, null));
            }
            if (stated.Count == 0) continue;
            // "between 6 and 10 legs", "6 or 8 legs": the noun or unit belongs to a range or a choice.
            if (stated.Any(st => RangeBefore().IsMatch(answer.AsSpan(0, st.N.Start)))) return null;
            // A right value anywhere settles it; two different wrong values are a range or a comparison: left alone.
            if (stated.Any(s => Agrees(claim, s.N, s.Unit))) continue;
            if (stated.Select(s => (s.N.Value, s.Unit?.Id)).Distinct().Count() > 1) continue;
            foreach (var (n, unit) in stated)
            {
                double truth = unit is null ? claim.Value : claim.Unit!.ConvertTo(claim.Value, unit);
                // The table's precision in its own unit ("42.195 km"); a converted value with one decimal at least ("98.6 °F").
                bool converted = unit is not null && unit != claim.Unit;
                int decimals = converted ? (Math.Abs(truth) < 1000 ? 1 : 0) : claim.Decimals <= 3 ? claim.Decimals : Math.Max(n.Decimals, 2);
                var expected = claim.Kind == Kind.Year ? truth.ToString("0", CultureInfo.InvariantCulture) : NumberText.FormatLike(truth, n, answer, decimals);
                replacements.Add((n, expected, $"{Describe(quantity)}: {expected}{(unit is null ? "" : " " + unit.Id)}"));
            }
        }
        if (replacements.Count == 0) return null;
        replacements.Sort((a, b) => b.Claim.Start.CompareTo(a.Claim.Start));
        var corrected = answer;
        foreach (var (n, expected, _) in replacements) corrected = NumberText.Replace(corrected, n.Start, n.Length, expected);
        var first = replacements[^1];
        return new FactCheck
        {
            CheckerId = Id,
            Claim = answer.Substring(first.Claim.Start, first.Claim.Length),
            Expected = first.Expected,
            Reason = string.Join("; ", replacements.Select(r => r.Reason).Reverse()),
            CorrectedAnswer = corrected,
        };
    }

    /// <summary>As a knowledge source: the table's one-sentence answer ("How many legs does a spider have?" → "Spiders have eight legs.").</summary>
    public Knowledge.KnowledgeAnswer? Answer(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (question.Length > FactCheckers.MaxQuestionLength || Match(question) is not { } q) return null;
        return new Knowledge.KnowledgeAnswer { SourceId = Id, Topic = Describe(q), Text = q.Answer };
    }

    /// <inheritdoc />
    /// <remarks>For a question about a quantity in the table: true when the answer holds any number, in digits or words.</remarks>
    public bool? StatesAnswer(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (!FactCheckers.IsCheckable(question, answer) || Match(question) is null) return null;
        return NumberText.Find(answer).Count > 0;
    }

    /// <summary>
    /// Whether a number in <paramref name="unit"/> states <paramref name="claim"/>: a unit the row lists a value for is
    /// checked against that value, another unit of the dimension against the row's first claim of that dimension.
    /// </summary>
    private static bool ChecksUnit(Quantity quantity, Claim claim, MeasurementUnit unit) =>
        unit == claim.Unit
        || (unit.Dimension == claim.Unit?.Dimension && !quantity.Claims.Any(c => c.Unit == unit) && quantity.Claims.First(c => c.Unit?.Dimension == unit.Dimension) == claim);

    private static string Describe(Quantity q) => string.Join(" ", q.Topic.Select(g => g[0]));

    private static bool Agrees(Claim claim, NumberMention n, MeasurementUnit? unit)
    {
        double truth = unit is null ? claim.Value : claim.Unit!.ConvertTo(claim.Value, unit);
        // An absolute tolerance is in the claim's unit: scale it to the unit the answer uses (offsets cancel in a difference).
        double tolerance = claim.RelativeTolerance ? claim.Tolerance * Math.Abs(truth)
            : unit is null ? claim.Tolerance
            : Math.Abs(claim.Unit!.ConvertTo(claim.Tolerance, unit) - claim.Unit.ConvertTo(0, unit));
        if (NumberText.Agrees(n.Value, n.Decimals, truth) || Math.Abs(n.Value - truth) <= tolerance * (1 + 1e-9)) return true;
        // A measurement rounded to a power of ten with two significant digits or more ("29,000 feet", "380,000 km") agrees
        // when the truth rounds to it; counts and years are exact.
        if (claim.Kind != Kind.Unit || n.Decimals != 0 || n.IsWord || n.Value == 0) return false;
        var digits = Math.Abs(n.Value).ToString("0", CultureInfo.InvariantCulture);
        int zeros = digits.Length - digits.TrimEnd('0').Length;
        if (zeros == 0 || digits.Length - zeros < 2) return false;
        double scale = Math.Pow(10, zeros);
        return Math.Round(truth / scale, MidpointRounding.AwayFromZero) * scale == n.Value;
    }

    /// <summary>The unit written right after a number ("100 °C", "8,849 metres", "300,000 km/s"), if any.</summary>
    private static MeasurementUnit? UnitAfter(string text, NumberMention n, List<UnitMention> units)
    {
        foreach (var u in units)
        {
            if (u.Start < n.End) continue;
            var between = text.AsSpan(n.End, u.Start - n.End);
            return between.Trim().Length == 0 || between.Trim() is "-" ? u.Unit : null;
        }
        return null;
    }

    /// <summary>
    /// Whether a lone number ends its claim: nothing follows but punctuation or a word like "in total", so that "eight eyes"
    /// is not read as a number of legs.
    /// </summary>
    private static bool EndsClaim(string text, NumberMention n)
    {
        var rest = text.AsSpan(n.End).TrimStart(" -");
        if (rest.Length == 0 || !char.IsLetter(rest[0])) return true;
        int end = 0;
        while (end < rest.Length && char.IsLetter(rest[end])) end++;
        return rest[..end].ToString().ToLowerInvariant() is "in" or "on" or "at" or "and" or "or" or "but" or "total" or "altogether" or "of" or "then" or "now" or "today";
    }

    /// <summary>Whether one of <paramref name="nouns"/> follows the number, with at most two plain words between ("two small moons").</summary>
    private static bool NounAfter(string text, NumberMention n, string[] nouns)
    {
        int i = n.End;
        for (int word = 0; word < 3; word++)
        {
            int start = i;
            while (start < text.Length && text[start] is ' ' or '-') start++;
            if (start == i || start >= text.Length) return false;
            int end = start;
            while (end < text.Length && (char.IsLetter(text[end]) || text[end] == '\'')) end++;
            if (end == start) return false;
            var w = text[start..end];
            if (nouns.Contains(w, StringComparer.OrdinalIgnoreCase)) return true;
            if (NumberText.Find(w).Count > 0) return false;
            i = end;
        }
        return false;
    }

    /// <summary>The quantity the question asks about, or <see langword="null"/> when none or more than one fits.</summary>
    private static Quantity? Match(string question)
    {
        if (YesNo().IsMatch(question) || NumberText.Find(question, words: false).Count > 0) return null;
        var words = Words().Matches(question.ToLowerInvariant()).Select(m => m.Value.EndsWith("'s", StringComparison.Ordinal) || m.Value.EndsWith("’s", StringComparison.Ordinal) ? m.Value[..^2] : m.Value).ToList();
        if (words.Count == 0 || words.Count > 25) return null;
        Quantity? found = null;
        foreach (var q in Table.Value)
        {
            if (!q.Topic.All(group => group.Any(words.Contains))) continue;
            if (!words.All(w => q.Allowed.Contains(w) || QuestionWords.Contains(w) || q.Topic.Any(g => g.Contains(w)) || MeasurementUnits.IsUnitWord(w))) continue;
            if (found is not null) return null; // two quantities fit: cannot tell which is asked
            found = q;
        }
        return found;
    }

    // Words any question about a quantity may use, beyond the row's own.
    private static readonly HashSet<string> QuestionWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "how", "many", "much", "what", "whats", "which", "when", "is", "are", "was", "were", "be", "does", "do",
        "did", "has", "have", "had", "there", "in", "on", "of", "at", "to", "for", "by", "with", "from", "our", "your", "me", "i",
        "you", "it", "its", "tell", "please", "quick", "question", "hi", "hey", "hello", "can", "could", "would", "know", "exactly",
        "approximately", "roughly", "about", "total", "altogether", "number", "usually", "normally", "typically", "just",
        "actually", "really", "again", "remind", "sorry", "thanks", "thank", "ok", "okay", "so", "and", "degrees", "degree",
        "scale", "measured", "units", "unit", "happen", "happened", "take", "place", "took", "year", "one", "each", "every",
        "value", "temperature", "speed", "fast", "long", "tall", "high", "far", "point", "get", "got",
    };

    [GeneratedRegex(@"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred))\s*(?:and|to|or|-|–|—)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex RangeBefore();

    [GeneratedRegex(@"[\p{L}][\p{L}'’]*")]
    private static partial Regex Words();

    [GeneratedRegex(@"\S+")]
    private static partial Regex WordCount();

    // "Is ...?", "Does ...?", "Are there 8 ...?": a yes/no question; the answer's yes or no would need fixing too.
    [GeneratedRegex(@"^\s*(?:(?:hi|hey|hello|so|ok|okay|quick question)[,:!.]?\s+)*(?:is|are|was|were|does|do|did|has|have|had|can|could|will|would|should|isn't|aren't|doesn't|don't)\b", RegexOptions.IgnoreCase)]
    private static partial Regex YesNo();

    // Numbers it cannot read as written: scale words after digits, powers of ten, scientific notation.
    [GeneratedRegex(@"\d\s*(?:million|billion|trillion|thousand|hundred)\b|\d(?-i:k|bn)\b|[×x]\s*10\s*[\^⁰¹²³⁴⁵⁶⁷⁸⁹]|\d[eE][+-]?\d|\d\s*\^", RegexOptions.IgnoreCase)]
    private static partial Regex Unreadable();

    private static Quantity[] Load()
    {
        using var stream = typeof(WellKnownQuantityFactChecker).Assembly.GetManifestResourceStream("Aligner.Facts.quantities.tsv")
            ?? throw new InvalidOperationException("The embedded table Aligner.Facts.quantities.tsv is missing from Aligner.Core.");
        using var reader = new StreamReader(stream);
        var rows = new List<Quantity>();
        int number = 0;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            number++;
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split('\t');
            if (fields.Length != 4) throw new InvalidOperationException($"quantities.tsv line {number}: expected 4 tab-separated fields.");
            var topic = fields[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(g => g.Split('|')).ToArray();
            var allowed = new HashSet<string>(fields[1].Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
            var claims = fields[2].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => ParseClaim(c, number)).ToArray();
            rows.Add(new Quantity(topic, allowed, claims, fields[3]));
        }
        return [.. rows];
    }

    private static Claim ParseClaim(string text, int line)
    {
        var m = ClaimPattern().Match(text);
        if (!m.Success) throw new InvalidOperationException($"quantities.tsv line {line}: cannot read the claim '{text}'.");
        var written = m.Groups["value"].Value;
        double value = double.Parse(written, CultureInfo.InvariantCulture);
        int decimals = written.Contains('.') ? written.Length - written.IndexOf('.') - 1 : 0;
        double tolerance = m.Groups["tol"].Success ? double.Parse(m.Groups["tol"].Value, CultureInfo.InvariantCulture) : 0;
        bool relative = m.Groups["pct"].Success;
        if (relative) tolerance /= 100;
        var kind = m.Groups["kind"].Value;
        if (kind.StartsWith('@'))
        {
            var unit = MeasurementUnits.ById(kind[1..]) ?? throw new InvalidOperationException($"quantities.tsv line {line}: no unit '{kind[1..]}'.");
            return new Claim(value, decimals, tolerance, relative, Kind.Unit, unit, []);
        }
        return kind switch
        {
            "year" => new Claim(value, decimals, tolerance, relative, Kind.Year, null, []),
            "number" => new Claim(value, decimals, tolerance, relative, Kind.Number, null, []),
            _ => new Claim(value, decimals, tolerance, relative, Kind.Noun, null, kind.Split('|')),
        };
    }

    [GeneratedRegex(@"^(?<value>-?\d+(?:\.\d+)?)(?:±(?<tol>\d+(?:\.\d+)?)(?<pct>%)?)?\s+(?<kind>\S+)$")]
    private static partial Regex ClaimPattern();
}
