using System.Text;
using System.Text.RegularExpressions;

namespace Aligner.Facts;

/// <summary>
/// Checks answers about the chemical elements: the symbol of a named element ("What's the chemical symbol for gold?" —
/// "Ag" becomes "Au"), the atomic number of a named element ("Carbon has atomic number 12." — 6), and which element a
/// symbol or atomic number stands for ("Which element has the symbol K?" — "krypton" becomes "potassium"). The table
/// (<c>Facts/Data/elements.tsv</c>) is WordNet 3.1's element synsets with the IUPAC names of elements 112–118. An answer
/// that already states the right fact is left alone, and so is one where the wrong claim is not a single clear word.
/// </summary>
public sealed partial class ChemicalElementFactChecker : IFactChecker, Knowledge.IKnowledgeSource
{
    private sealed record Element(int Number, string[] Symbols, string[] Names)
    {
        public string Symbol => Symbols[0];
        public string Name => Names[0];
    }

    private sealed record Table(Element[] ByNumber, Dictionary<string, Element> ByName, Dictionary<string, Element> BySymbol);

    private static readonly Lazy<Table> Elements = new(Load);

    /// <inheritdoc />
    public string Id => "chemical-element";

    private enum Asked { Symbol, Number, Name }

    /// <inheritdoc />
    public FactCheck? Check(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (!FactCheckers.IsCheckable(question, answer)) return null;
        if (Parse(question) is not { } q) return null;
        var e = q.Element;
        switch (q.Asked)
        {
            case Asked.Symbol:
            {
                if (e.Symbols.Any(s => Regex.IsMatch(answer, @"(?<![\p{L}])" + s + @"(?![\p{L}])"))) return null;
                if (ClaimedSymbol(answer, e) is not { } claim) return null;
                return FactCheck.Replacing(Id, answer, claim.Index, claim.Length, e.Symbol, $"the chemical symbol for {e.Name} is {e.Symbol}");
            }
            case Asked.Number:
            {
                var numbers = NumberText.Find(answer).Where(n => n.Decimals == 0).ToList();
                if (numbers.Any(n => n.Value == e.Number)) return null;
                // The number that follows "atomic number" or "is", else the only number.
                var stated = numbers.Where(n => StatesNumber().IsMatch(answer[..n.Start])).ToList();
                var claim = stated.Count == 1 ? stated[0] : numbers.Count == 1 ? numbers[0] : (NumberMention?)null;
                if (claim is not { } c) return null;
                var expected = e.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return FactCheck.Replacing(Id, answer, c.Start, c.Length, expected, $"the atomic number of {e.Name} is {e.Number}");
            }
            default:
            {
                var mentioned = NameMentions(answer).ToList();
                if (mentioned.Any(m => m.Element == e)) return null;
                var wrong = mentioned.Select(m => m.Element).Distinct().ToList();
                if (wrong.Count != 1) return null;
                var first = mentioned.First(m => m.Element == wrong[0]);
                var name = char.IsUpper(answer[first.Index]) ? char.ToUpperInvariant(e.Name[0]) + e.Name[1..] : e.Name;
                var fix = FactCheck.Replacing(Id, answer, first.Index, first.Length, name, q.Reason);
                // The same wrong name said twice ("krypton … krypton's"): every mention is fixed.
                foreach (var again in mentioned.Where(m => m.Element == wrong[0] && m.Index != first.Index).Reverse())
                {
                    int shift = name.Length - first.Length;
                    int at = again.Index + (again.Index > first.Index ? shift : 0);
                    var repl = char.IsUpper(fix.CorrectedAnswer[at]) ? char.ToUpperInvariant(e.Name[0]) + e.Name[1..] : e.Name;
                    fix = fix with { CorrectedAnswer = fix.CorrectedAnswer[..at] + repl + fix.CorrectedAnswer[(at + again.Length)..] };
                }
                return fix;
            }
        }
    }

    /// <summary>
    /// As a knowledge source: "What is the chemical symbol for gold?" → "The chemical symbol for gold is Au.", and the
    /// same for atomic numbers and for the element a symbol stands for.
    /// </summary>
    public Knowledge.KnowledgeAnswer? Answer(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (question.Length > FactCheckers.MaxQuestionLength || Parse(question) is not { } q) return null;
        var e = q.Element;
        var text = q.Asked switch
        {
            Asked.Symbol => $"The chemical symbol for {e.Name} is {e.Symbol}.",
            Asked.Number => $"The atomic number of {e.Name} is {e.Number}.",
            _ => $"{char.ToUpperInvariant(e.Name[0])}{e.Name[1..]} ({e.Symbol}) is the element with atomic number {e.Number}.",
        };
        return new Knowledge.KnowledgeAnswer { SourceId = Id, Topic = e.Name, Text = text };
    }

    /// <inheritdoc />
    /// <remarks>
    /// For an element question: true when the answer names any element, holds any number, or any token shaped like a
    /// symbol after its first word; false otherwise ("Google it.").
    /// </remarks>
    public bool? StatesAnswer(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (!FactCheckers.IsCheckable(question, answer) || Parse(question) is null) return null;
        if (NameMentions(answer).Any() || NumberText.Find(answer).Count > 0) return true;
        return SymbolToken().Matches(answer).Any(m => !FactCheckers.StartsSentence(answer, m.Index) || answer.Trim().Length <= 3);
    }

    private sealed record Question(Asked Asked, Element Element, string Reason);

    private static Question? Parse(string question)
    {
        var t = Elements.Value;
        // "symbol for gold", "gold's symbol": the question names an element and asks its symbol.
        foreach (var pattern in new[] { SymbolOfName(), NameSymbol() })
            if (pattern.Match(question) is { Success: true } m && t.ByName.TryGetValue(m.Groups["name"].Value.ToLowerInvariant(), out var e))
                return new Question(Asked.Symbol, e, "");
        foreach (var pattern in new[] { NumberOfName(), NameNumber() })
            if (pattern.Match(question) is { Success: true } m && t.ByName.TryGetValue(m.Groups["name"].Value.ToLowerInvariant(), out var e))
                return new Question(Asked.Number, e, "");
        // "Which element has the symbol K?", "What element is Fe?", "What does Na stand for?": a symbol, case as written.
        if (NameOfSymbol().Match(question) is { Success: true } s && t.BySymbol.TryGetValue(s.Groups["symbol"].Value, out var bySymbol))
            return new Question(Asked.Name, bySymbol, $"{bySymbol.Symbol} is the symbol for {bySymbol.Name}");
        if (NameOfNumber().Match(question) is { Success: true } n && int.TryParse(n.Groups["number"].Value, out var number)
            && number >= 1 && number <= t.ByNumber.Length)
        {
            var byNumber = t.ByNumber[number - 1];
            return new Question(Asked.Name, byNumber, $"{byNumber.Name} has atomic number {number}");
        }
        return null;
    }

    /// <summary>The one word of the answer that states the symbol: after "symbol … is", else the one element symbol in it.</summary>
    private static Group? ClaimedSymbol(string answer, Element element)
    {
        var stated = StatedSymbol().Matches(answer).Select(m => m.Groups["symbol"]).ToList();
        if (stated.Count == 1) return stated[0];
        if (stated.Count > 1) return null;
        // Anywhere else only a two-letter token that is some element's symbol, outside a sentence's first word:
        // "In", "As", "No" and friends open sentences, and one-letter symbols ("I", "C") are too often something else.
        var t = Elements.Value;
        var found = SymbolToken().Matches(answer)
            .Where(m => m.Length == 2 && t.BySymbol.ContainsKey(m.Value) && !FactCheckers.StartsSentence(answer, m.Index))
            .Select(m => m.Groups[0]).ToList();
        return found.Count == 1 && !element.Symbols.Contains(found[0].Value) ? found[0] : null;
    }

    private static IEnumerable<(int Index, int Length, Element Element)> NameMentions(string answer)
    {
        var t = Elements.Value;
        foreach (Match m in Word().Matches(answer))
            if (t.ByName.TryGetValue(m.Value.ToLowerInvariant(), out var e) && !(m.Value == "Lead" && FactCheckers.StartsSentence(answer, m.Index)))
                yield return (m.Index, m.Length, e);
    }

    private static Table Load()
    {
        using var stream = typeof(ChemicalElementFactChecker).Assembly.GetManifestResourceStream("Aligner.Facts.elements.tsv")
            ?? throw new InvalidOperationException("The elements table is missing from Aligner.Core.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var list = new List<Element>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split('\t');
            list.Add(new Element(int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), f[1].Split('|'), f[2].Split('|')));
        }
        var byName = new Dictionary<string, Element>(StringComparer.Ordinal);
        var bySymbol = new Dictionary<string, Element>(StringComparer.Ordinal);
        foreach (var e in list)
        {
            foreach (var n in e.Names) byName.TryAdd(n, e);
            foreach (var s in e.Symbols) bySymbol.TryAdd(s, e);
        }
        return new Table([.. list], byName, bySymbol);
    }

    private const string Name = @"(?<name>[A-Za-z]{3,})";

    [GeneratedRegex(@"\b(?:chemical\s+|element(?:al)?\s+|atomic\s+|periodic(?:\s+table)?\s+)?symbol\s+(?:for|of)\s+(?:the\s+element\s+)?" + Name + @"\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SymbolOfName();

    [GeneratedRegex(Name + @"(?:'s|’s)\s+(?:chemical\s+|element(?:al)?\s+|atomic\s+)?symbol\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NameSymbol();

    [GeneratedRegex(@"\batomic\s+number\s+(?:for|of)\s+(?:the\s+element\s+)?" + Name + @"\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NumberOfName();

    [GeneratedRegex(Name + @"(?:'s|’s)\s+atomic\s+number\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NameNumber();

    [GeneratedRegex(@"\b(?i:element)\b.*?\b(?i:symbol)\s+(?<symbol>\p{Lu}\p{Ll}{0,2})\b|\b(?i:what|which)\s+(?i:element)\s+(?i:is|has)\s+(?:(?i:the\s+)?(?i:symbol)\s+)?(?<symbol>\p{Lu}\p{Ll}{0,2})\b|\b(?i:symbol)\s+(?<symbol>\p{Lu}\p{Ll}{0,2})\s+(?i:stand)|\b(?i:what|which)\s+(?i:element)(?:'s|’s)\s+(?i:symbol\s+is)\s+(?<symbol>\p{Lu}\p{Ll}{0,2})\b", RegexOptions.CultureInvariant)]
    private static partial Regex NameOfSymbol();

    [GeneratedRegex(@"\b(?:what|which)\s+element\s+(?:has|is|with)\s+(?:the\s+)?atomic\s+number\s+(?<number>\d{1,3})\b|\belement\s+(?:number|no\.?)\s+(?<number>\d{1,3})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NameOfNumber();

    [GeneratedRegex(@"(?:\b(?i:symbol)(?:\s+(?i:for|of)\s+[A-Za-z]+)?\s+(?i:is|=|:)\s+|(?i:symbol)\s+)(?:(?i:actually|simply|just)\s+)?[""'“‘(]?(?<symbol>\p{Lu}\p{Ll}{0,2})(?![\p{L}])", RegexOptions.CultureInvariant)]
    private static partial Regex StatedSymbol();

    [GeneratedRegex(@"(?<![\p{L}])\p{Lu}\p{Ll}?(?![\p{L}])", RegexOptions.CultureInvariant)]
    private static partial Regex SymbolToken();

    [GeneratedRegex(@"(?:\b(?i:atomic\s+number)|\b(?i:is|of|has)|=|:)\s*(?:(?i:about|exactly|number)\s+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex StatesNumber();

    [GeneratedRegex(@"\p{L}+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
