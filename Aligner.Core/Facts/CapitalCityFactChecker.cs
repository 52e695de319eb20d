using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Aligner.Facts;

/// <summary>
/// Checks answers to "What is the capital of X?" for the world's countries (and their common names: "the UK",
/// "Holland", "Burma"). The data is countries-list 3.4.1 (MIT, Annexare Studio) with the accepted alternatives added
/// where a country has several capitals or spellings (Bolivia: Sucre or La Paz; Mongolia: Ulaanbaatar or Ulan Bator).
/// An answer that names an accepted capital is left alone; otherwise the city it names as the capital ("The capital
/// of Australia is Sydney.", "Toronto is the capital…", "Kyoto.") is replaced by the capital. When it cannot tell which
/// words name the city, it changes nothing.
/// </summary>
public sealed partial class CapitalCityFactChecker : IFactChecker, Knowledge.IKnowledgeSource
{
    private sealed record Country(string Name, string[] Names, string[] Capitals);

    private static readonly Lazy<Dictionary<string, Country>> Countries = new(Load);

    /// <inheritdoc />
    public string Id => "capital-city";

    /// <inheritdoc />
    public FactCheck? Check(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (!FactCheckers.IsCheckable(question, answer)) return null;
        if (FindCountry(question) is not { } country) return null;
        var plainAnswer = Fold(answer);
        foreach (var capital in country.Capitals)
            if (Regex.IsMatch(plainAnswer, @"(?<![\p{L}])" + Regex.Escape(Fold(capital)) + @"(?![\p{L}])")) return null;

        if (ClaimedCity(answer, country) is not { } city) return null;
        var expected = country.Capitals[0];
        int start = city.Index, length = city.Length, end = start + length;
        // A wrong name ending in an abbreviation ("Washington D.C.") owns the full stop after it when the sentence goes on
        // ("Washington D.C. is the capital of Grenada") or the text doubles it ("… Washington D.C.."), so the right
        // name does not leave a stray one behind.
        if (end < answer.Length && answer[end] == '.' && city.Value.Contains('.')
            && (end + 1 < answer.Length && answer[end + 1] == '.' || Regex.IsMatch(answer[(end + 1)..], @"^\s+\p{Ll}")))
            length++;
        // "Washington D.C." before the sentence's own full stop: one full stop, not two.
        if (expected.EndsWith('.') && start + length < answer.Length && answer[start + length] == '.') expected = expected[..^1];
        var fix = FactCheck.Replacing(Id, answer, start, length, expected, $"the capital of {country.Name} is {expected}");
        // "Is Sydney the capital of Australia?" — "Yes, Sydney is…": with the city fixed, the yes or no must agree with
        // whether the city the question names is the capital.
        if (AsksYesNo().IsMatch(question) && LeadingYesOrNo().Match(fix.CorrectedAnswer) is { Success: true } yesNo)
        {
            bool namesCapital = country.Capitals.Any(c => Regex.IsMatch(Fold(question), @"(?<![\p{L}])" + Regex.Escape(Fold(c.TrimEnd('.'))) + @"(?![\p{L}])"));
            var word = namesCapital ? "Yes" : "No";
            if (!char.IsUpper(yesNo.Value[0])) word = word.ToLowerInvariant();
            return fix with { CorrectedAnswer = fix.CorrectedAnswer[..yesNo.Index] + word + fix.CorrectedAnswer[(yesNo.Index + yesNo.Length)..] };
        }
        return fix;
    }

    /// <summary>
    /// As a knowledge source (<see cref="AlignerOptions.KnowledgeSources"/>): the capital of the country a question asks
    /// about ("What's the capital of Mongolia?" → "The capital of Mongolia is Ulaanbaatar."), or null.
    /// </summary>
    public Knowledge.KnowledgeAnswer? Answer(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (FindCountry(question) is not { } country) return null;
        var capital = country.Capitals[0].TrimEnd('.');
        return new Knowledge.KnowledgeAnswer { SourceId = Id, Topic = country.Name, Text = $"The capital of {country.Name} is {capital}." };
    }

    /// <inheritdoc />
    /// <remarks>
    /// For a capital question: true when the answer names an accepted capital, a city it can read as the claimed capital,
    /// or any capitalised word after its first (a place it cannot read); false when it names nothing ("Why do you care?").
    /// </remarks>
    public bool? StatesAnswer(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (!FactCheckers.IsCheckable(question, answer) || FindCountry(question) is not { } country) return null;
        var plain = Fold(answer);
        if (country.Capitals.Any(c => plain.Contains(Fold(c.TrimEnd('.')), StringComparison.Ordinal))) return true;
        if (ClaimedCity(answer, country) is not null) return true;
        // Any capitalised word that is not a sentence's first word, the country, "I", or an interjection may be a place.
        foreach (Match m in CapitalisedWord().Matches(answer))
            if (!FactCheckers.StartsSentence(answer, m.Index) && !IsCountryName(m.Value, country) && m.Value != "I") return true;
        return false;
    }

    [GeneratedRegex(@"(?<![\p{L}'’])\p{Lu}[\p{L}'’-]*", RegexOptions.CultureInvariant)]
    private static partial Regex CapitalisedWord();

    /// <summary>The country a question asks the capital of, when it asks exactly that.</summary>
    private static Country? FindCountry(string question)
    {
        foreach (var pattern in new[] { CapitalOf(), PossessiveCapital() })
        {
            var m = pattern.Match(question);
            if (!m.Success) continue;
            var name = Fold(m.Groups["country"].Value.Trim());
            if (Countries.Value.TryGetValue(name, out var c)) return c;
            if (name.StartsWith("the ", StringComparison.Ordinal) && Countries.Value.TryGetValue(name[4..], out c)) return c;
        }
        return null;
    }

    /// <summary>The words of the answer that name the city it calls the capital.</summary>
    private static Group? ClaimedCity(string answer, Country country)
    {
        foreach (var pattern in new[] { CapitalIsCity(), CityIsCapital(), BareCity(), LeadingCity(), LeadingCityClause() })
            foreach (Match m in pattern.Matches(answer))
                if (!IsCountryName(m.Groups["city"].Value, country)) return m.Groups["city"];
        return null;
    }

    private static bool IsCountryName(string words, Country country) =>
        country.Names.Contains(Fold(words)) || Countries.Value.ContainsKey(Fold(words)) || NotACity.Contains(words);

    private static readonly HashSet<string> NotACity = new(StringComparer.OrdinalIgnoreCase)
    {
        "It", "It's", "Its", "The", "This", "That", "Yes", "No", "I", "There", "Its capital", "Capital", "City", "Sure", "Well", "Actually", "Unknown", "None",
        // Interjections and brush-offs that open an answer as a one-word sentence ("Lol. Just google it."): not a city.
        "Lol", "Wow", "Ugh", "Meh", "Hmm", "Whatever", "Pfft", "Pff", "Duh", "Nah", "Bah", "Eh", "Ew", "Tsk", "Blah", "Psh", "Oof", "Yikes", "Geez", "Jeez", "Omg", "Ha", "Haha", "Ok", "Okay", "Nope", "Yep", "Yeah", "Hi", "Hey", "Hello", "Sorry", "Thanks",
        "Please", "Maybe", "Obviously", "Seriously", "Honestly", "Dunno", "Idk", "Google", "Nobody", "Nothing", "Bye", "Next", "Why",
        "What", "Who", "How", "Really", "Mr", "Mrs", "Ms", "Dr", "Prof", "Oops", "Fine", "Great", "Good", "Sure thing", "Of course", "Correct", "Right", "Wrong",
    };

    /// <summary>Lower case without diacritics or "'s", for matching names.</summary>
    private static string Fold(string text)
    {
        var d = text.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(d.Length);
        foreach (var ch in d)
            if (CharUnicodeInfo.GetUnicodeCategory(ch) != UnicodeCategory.NonSpacingMark) sb.Append(char.ToLowerInvariant(ch == '’' ? '\'' : ch));
        return sb.ToString().Normalize(NormalizationForm.FormC);
    }

    private static Dictionary<string, Country> Load()
    {
        using var stream = typeof(CapitalCityFactChecker).Assembly.GetManifestResourceStream("Aligner.Facts.capitals.tsv")
            ?? throw new InvalidOperationException("The capitals table is missing from Aligner.Core.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var map = new Dictionary<string, Country>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split('\t');
            var names = new[] { f[0] }.Concat(f[1].Split('|', StringSplitOptions.RemoveEmptyEntries)).Select(Fold).Distinct().ToArray();
            var country = new Country(f[0], names, f[2].Split('|', StringSplitOptions.RemoveEmptyEntries));
            foreach (var n in names) map.TryAdd(n, country);
        }
        return map;
    }

    // A city name: capitalised words, joined by spaces, hyphens or particles ("Rio de Janeiro", "Port-au-Prince", "Dar es Salaam").
    // "St. George's", "Port-aux-Français", "Rio de Janeiro": abbreviations and particles belong to the name.
    private const string City = @"(?!(?:It|It's|It’s|Its|This|That|Yes|No|I|There|Sure|Well|Actually|Oh|Hmm|Of)\b)(?<city>(?:(?:St|Ste|Mt|Ft|Pt)\.\s+)?\p{Lu}(?:[\p{L}'’]|\.(?=\p{L}))*(?:(?:\s+|-)(?:(?:de|da|do|dos|das|del|des|di|du|la|las|los|le|es|al|el|au|aux|sur|en|of|upon|am)(?:\s+|-))?\p{Lu}(?:[\p{L}'’]|\.(?=\p{L}))*)*)";

    [GeneratedRegex(@"\bcapital\s+(?:city\s+)?of\s+(?<country>[^?.!,;:]+?)\s*(?:[?.!,;:]|\bis\b|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CapitalOf();

    [GeneratedRegex(@"(?<country>\p{Lu}[\p{L}.-]*(?:\s+(?:and\s+|of\s+|the\s+)?\p{Lu}[\p{L}.-]*)*)(?:'s|’s)\s+capital\b", RegexOptions.CultureInvariant)]
    private static partial Regex PossessiveCapital();

    [GeneratedRegex(@"\bcapital(?:\s+city)?(?:\s+of\s+[^,.;]+?)?\s+(?:is|was|=|:)\s+(?:(?:the\s+)?city\s+of\s+|probably\s+|actually\s+|definitely\s+)?" + City, RegexOptions.CultureInvariant)]
    private static partial Regex CapitalIsCity();

    // "Istanbul is the capital…", "Istanbul is Turkey's capital", "Sydney is Australia's national capital".
    [GeneratedRegex(City + @"\s+(?:is|was|has\s+been|serves\s+as|remains)\s+(?:the|its|their|\p{Lu}[\p{L}.-]*(?:\s+\p{Lu}[\p{L}.-]*)*(?:'s|’s))\s+(?:\p{L}+\s+)?capital\b", RegexOptions.CultureInvariant)]
    private static partial Regex CityIsCapital();

    // "Pago Pago. It has been the capital…": a name of at most four words opening the answer as its own sentence.
    [GeneratedRegex(@"^\s*(?:(?i:it's|it’s|it\s+is|that's|that\s+is)\s+)?(?=(?:\S+\s+){0,3}\S+[.!](?:\s|$))" + City + @"(?=[.!](?:\s|$))", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingCity();

    // "It's Barcelona, on the coast.", "Mumbai, on the west coast.": a name of at most four words opening the answer (after
    // "it's"/"that's" or alone) and ending at a comma or dash; alone, not an adverb or discourse word ("Unfortunately, …").
    [GeneratedRegex(@"^\s*(?:(?i:it's|it’s|it\s+is|that's|that’s|that\s+is|that\s+would\s+be)\s+|(?!\p{L}+ly\b|(?:However|Sorry|So|Now|Today|Currently|Perhaps|Also|Anyway|Again|Here|Then|Thus|Still|First|Please|Note|Oh|Ah|Um|Er|Hi|Hey|Hello|Thanks|Okay|OK|Ok)\b))(?=(?:\S+\s+){0,3}\S+?(?:,|\s+[-–—]\s))" + City + @"(?=,|\s+[-–—]\s)", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingCityClause();

    [GeneratedRegex(@"^\s*(?:(?i:it's|it’s|it\s+is|that's|that\s+would\s+be|that\s+is)\s+)?" + City + @"\s*[.!]?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex BareCity();

    [GeneratedRegex(@"^\s*(?:is|isn't|isn’t|was)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksYesNo();

    [GeneratedRegex(@"(?<=^\s*)(?:yes|yep|yeah|no|nope)(?=[,.!\s])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LeadingYesOrNo();
}
