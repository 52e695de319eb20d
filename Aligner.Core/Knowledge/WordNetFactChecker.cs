using System.Globalization;
using System.Text.RegularExpressions;

namespace Aligner.Knowledge;

/// <summary>
/// Checks three kinds of general-knowledge claim against WordNet's definitions, which state many facts in so many words:
/// <list type="bullet">
/// <item>superlatives — "Which planet is the largest?" (Jupiter: "the largest planet and the 5th from the sun"), "What is
/// the longest river in the world?", "Which planet is closest to the Sun?";</item>
/// <item>ordinal titles — "Who was the 16th President of the United States?" (Lincoln: "16th President of the United
/// States");</item>
/// <item>counts of parts — "How many sides does a hexagon have?" ("a six-sided polygon"), "How many legs does a spider
/// have?" ("… with eight legs …");</item>
/// <item>years — "When was Shakespeare born?" ("(1564-1616)"), "When did World War II end?" ("from 1939 to 1945");</item>
/// <item>classes of animals — "Are whales fish?" ("the larger cetacean mammals"), "Is a spider an insect?" ("predatory
/// arachnid"): the answer's class word is replaced, and its yes or no follows.</item>
/// </list>
/// A fact is used only when exactly one definition states it (a superlative limited to a place, "the highest mountain in
/// the western hemisphere", answers only a question that names that place). The answer is changed only when it does not
/// already name the right thing and names exactly one wrong one of the same kind (its definition mentions the kind, or the
/// title), which is then replaced; everything else is copied. Otherwise nothing is changed: it never guesses.
/// </summary>
public sealed partial class WordNetFactChecker : IFactChecker
{
    private readonly Lazy<WordNetDefinitions> _definitions;

    /// <summary>A checker over loaded definitions.</summary>
    public WordNetFactChecker(WordNetDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        _definitions = new Lazy<WordNetDefinitions>(definitions);
    }

    private WordNetFactChecker(string path) =>
        _definitions = WordNetDefinitions.Shared(path);

    /// <summary>
    /// A checker over the definitions file at <paramref name="path"/> (<see cref="WordNetDefinitions.FileName"/>), read at
    /// the first question of a kind it checks, so a process that never asks one never pays for it.
    /// </summary>
    /// <exception cref="ModelFormatException">The file does not exist (a malformed file is reported at first use).</exception>
    public static WordNetFactChecker LoadOnFirstUse(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new ModelFormatException(path, null, "definitions file not found.");
        return new WordNetFactChecker(path);
    }

    /// <inheritdoc />
    public string Id => "wordnet";

    /// <inheritdoc />
    public FactCheck? Check(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (question.Length > Facts.FactCheckers.MaxQuestionLength || answer.Length > Facts.FactCheckers.MaxAnswerLength) return null;
        if (Superlative(question) is { } sup) return CheckEntity(question, answer, sup.Kind, Find(sup), $"{sup.Superlative} {sup.Kind}");
        if (OrdinalTitle(question) is { } title) return CheckEntity(question, answer, title.Title, FindTitle(title), $"{title.Ordinal} {title.Title}");
        if (CountQuestion().Match(question) is { Success: true } count) return CheckCount(answer, count.Groups["parts"].Value.ToLowerInvariant(), count.Groups["thing"].Value);
        if (YearQuestion().Match(question) is { Success: true } year) return CheckYear(answer, year.Groups["thing"].Value, year.Groups["verb"].Value.ToLowerInvariant());
                if (ClassQuestion().Match(question) is { Success: true } cls) return CheckClass(answer, cls.Groups["thing"].Value, cls.Groups["class"].Success ? cls.Groups["class"].Value : null);
        return null;
    }

    // ---- years of lives and events --------------------------------------------------------------------------------

    /// <summary>
    /// "When was Shakespeare born?" ("… (1564-1616)"), "When did World War II end?" ("… from 1939 to 1945"): the first or
    /// last year of the one span the definitions of the thing give (all senses that give one must agree).
    /// </summary>
    private FactCheck? CheckYear(string answer, string thing, string verb)
    {
        var wn = _definitions.Value;
        var key = Fold(thing.Trim());
        if (key.StartsWith("the ", StringComparison.Ordinal)) key = key[4..];
        if (!wn.TryGetSenses(key.Replace(' ', '_'), out var senses)) return null;
        (int Start, int End)? span = null;
        foreach (var s in senses)
        {
            var g = wn.Glosses[s];
            var m = LifeSpan().Match(g);
            if (!m.Success) m = EventSpan().Match(g);
            if (!m.Success || m.Value.Contains("BC", StringComparison.Ordinal)) continue;
            int a = int.Parse(m.Groups["a"].Value, CultureInfo.InvariantCulture), b = int.Parse(m.Groups["b"].Value, CultureInfo.InvariantCulture);
            if (b < 100) b += a / 100 * 100; // "(1939-45)"
            if (b < a) continue;
            if (span is not null && span != (a, b)) return null;
            span = (a, b);
        }
        if (span is not { } found) return null;
        bool first = verb is "born" or "begin" or "began" or "start" or "started" or "break out" or "broke out";
        int expected = first ? found.Start : found.End;
        var years = Facts.NumberText.Find(answer, words: false).Where(n => n.Decimals == 0 && n.Value >= 100 && n.Value <= 2100 && !n.Grouped).ToList();
        if (years.Count == 0 || years.Any(n => n.Value == expected)) return null;
        if (years.Count != 1) return null;
        var c = years[0];
        return FactCheck.Replacing(Id, answer, c.Start, c.Length, expected.ToString(CultureInfo.InvariantCulture),
            $"WordNet: {thing.Trim()} ({found.Start}–{found.End})");
    }

    // "(1809-1865)", "(circa 1564-1616)" at the end of a person's definition.
    [GeneratedRegex(@"\((?:[a-z.]+\s+)?(?<a>\d{3,4})\s*-\s*(?<b>\d{2,4})(?:\s*BC)?\)", RegexOptions.CultureInvariant)]
    private static partial Regex LifeSpan();

    // "from 1939 to 1945" in an event's definition.
    [GeneratedRegex(@"\bfrom\s+(?<a>\d{3,4})\s+(?:to|until)\s+(?<b>\d{2,4})\b", RegexOptions.CultureInvariant)]
    private static partial Regex EventSpan();

    // "When was Shakespeare born?", "When did World War II end?", "In which year did the French Revolution begin?"
    [GeneratedRegex(@"^\s*(?:(?i:when)|(?i:in\s+)?(?i:what|which)\s+(?i:year))\s+(?i:was|were|did)\s+(?<thing>[\p{L}][\p{L}\p{N} .'’-]*?)\s+(?<verb>(?i:born|die|died|end|ended|begin|began|start|started|break\s+out|broke\s+out))\s*\??\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex YearQuestion();

    // ---- classes of animals ---------------------------------------------------------------------------------------

    // The classes an answer may put an animal in (mutually exclusive), by every form an answer writes them in.
    private static readonly Dictionary<string, string> ClassWords = new(StringComparer.Ordinal)
    {
        ["mammal"] = "mammal", ["mammals"] = "mammal", ["bird"] = "bird", ["birds"] = "bird", ["fish"] = "fish", ["fishes"] = "fish",
        ["reptile"] = "reptile", ["reptiles"] = "reptile", ["amphibian"] = "amphibian", ["amphibians"] = "amphibian",
        ["insect"] = "insect", ["insects"] = "insect", ["arachnid"] = "arachnid", ["arachnids"] = "arachnid",
        ["crustacean"] = "crustacean", ["crustaceans"] = "crustacean", ["mollusk"] = "mollusc", ["mollusks"] = "mollusc",
        ["mollusc"] = "mollusc", ["molluscs"] = "mollusc",
    };

    // Groups a definition names instead of its class ("small toothed whales", "bottom-living cephalopod").
    private static readonly Dictionary<string, string> GroupClasses = new(StringComparer.Ordinal)
    {
        ["whale"] = "mammal", ["whales"] = "mammal", ["cetacean"] = "mammal", ["cetaceans"] = "mammal", ["marsupial"] = "mammal",
        ["marsupials"] = "mammal", ["rodent"] = "mammal", ["rodents"] = "mammal", ["primate"] = "mammal", ["primates"] = "mammal",
        ["ungulate"] = "mammal", ["ungulates"] = "mammal", ["seal"] = "mammal", ["seals"] = "mammal", ["placental"] = "mammal",
        ["cephalopod"] = "mollusc", ["cephalopods"] = "mollusc", ["gastropod"] = "mollusc", ["gastropods"] = "mollusc",
        ["bivalve"] = "mollusc", ["bivalves"] = "mollusc", ["snake"] = "reptile", ["snakes"] = "reptile", ["lizard"] = "reptile",
        ["lizards"] = "reptile", ["turtle"] = "reptile", ["turtles"] = "reptile", ["crocodilian"] = "reptile", ["frog"] = "amphibian",
        ["frogs"] = "amphibian", ["beetle"] = "insect", ["beetles"] = "insect", ["butterfly"] = "insect", ["moth"] = "insect",
        ["songbird"] = "bird", ["songbirds"] = "bird", ["spider"] = "arachnid", ["spiders"] = "arachnid",
    };

    private static readonly Dictionary<string, (string Singular, string Plural)> ClassNames = new(StringComparer.Ordinal)
    {
        ["mammal"] = ("mammal", "mammals"), ["bird"] = ("bird", "birds"), ["fish"] = ("fish", "fish"), ["reptile"] = ("reptile", "reptiles"),
        ["amphibian"] = ("amphibian", "amphibians"), ["insect"] = ("insect", "insects"), ["arachnid"] = ("arachnid", "arachnids"),
        ["crustacean"] = ("crustacean", "crustaceans"), ["mollusc"] = ("mollusc", "molluscs"),
    };

    /// <summary>
    /// The classes WordNet's senses of a word put it in ("dolphin": the dolphinfish, a fish, and the toothed whale, a
    /// mammal); empty when it is not an animal WordNet classes.
    /// </summary>
    private HashSet<string> ClassesOf(string thing)
    {
        var wn = _definitions.Value;
        var classes = new HashSet<string>(StringComparer.Ordinal);
        if (Senses(thing) is not { } senses) return classes;
        foreach (var s in senses)
        {
            var words = Regex.Matches(wn.Glosses[s].Split(';')[0], @"[a-z]+").Select(m => m.Value).ToList();
            // The first class word in the definition's head clause; else the first group that implies one.
            var cls = words.Select(w => ClassWords.GetValueOrDefault(w)).FirstOrDefault(c => c is not null)
                ?? words.Select(w => GroupClasses.GetValueOrDefault(w)).FirstOrDefault(c => c is not null);
            if (cls is not null) classes.Add(cls);
        }
        return classes;
    }

    private FactCheck? CheckClass(string answer, string thing, string? asked)
    {
        // Only a word WordNet puts in one class, and an answer that names none of the classes any sense allows.
        var classes = ClassesOf(thing);
        if (classes.Count != 1) return null;
        var truth = classes.First();
        var mentions = Regex.Matches(answer, @"(?<![\p{L}])\p{L}+(?![\p{L}])").Where(m => ClassWords.ContainsKey(m.Value.ToLowerInvariant())).ToList();
        if (mentions.Any(m => ClassWords[m.Value.ToLowerInvariant()] == truth)) return null;
        var wrong = mentions.Select(m => ClassWords[m.Value.ToLowerInvariant()]).Distinct().ToList();
        if (wrong.Count != 1) return null;
        var claim = mentions[0];
        var word = claim.Value.ToLowerInvariant();
        bool plural = word != ClassNames[wrong[0]].Singular || word == "fish" && Regex.IsMatch(answer[..claim.Index], @"\bare\s+(?:\w+\s+)?$", RegexOptions.IgnoreCase);
        var name = plural ? ClassNames[truth].Plural : ClassNames[truth].Singular;
        if (char.IsUpper(claim.Value[0])) name = char.ToUpperInvariant(name[0]) + name[1..];
        int start = claim.Index, length = claim.Length;
        // "an insect" → "an arachnid", "an amphibian" → "a reptile": the article agrees with the new word.
        if (Regex.Match(answer[..start], @"\b(?<article>[Aa]n?)\s+$") is { Success: true } article)
        {
            var a = "aeiou".Contains(name[0], StringComparison.OrdinalIgnoreCase) ? "an" : "a";
            if (char.IsUpper(article.Value[0])) a = char.ToUpperInvariant(a[0]) + a[1..];
            name = a + answer[(article.Index + article.Groups["article"].Length)..start] + name;
            length += start - article.Index;
            start = article.Index;
        }
        var fix = FactCheck.Replacing(Id, answer, start, length, name, $"WordNet classes {thing.Trim()} as {ClassNames[truth].Plural}");
        // "Are dolphins fish?" — "Yes, dolphins are fish": the yes or no follows the fixed class.
        if (asked is not null && Regex.Match(fix.CorrectedAnswer, @"^\s*(?<yn>[Yy]es|[Nn]o)\b") is { Success: true } yn
            && ClassWords.GetValueOrDefault(asked.ToLowerInvariant()) is { } askedClass)
        {
            var g = yn.Groups["yn"];
            var word2 = askedClass == truth ? "yes" : "no";
            if (char.IsUpper(g.Value[0])) word2 = char.ToUpperInvariant(word2[0]) + word2[1..];
            fix = fix with { CorrectedAnswer = fix.CorrectedAnswer[..g.Index] + word2 + fix.CorrectedAnswer[(g.Index + g.Length)..] };
        }
        return fix;
    }

    // ---- superlatives ---------------------------------------------------------------------------------------------

    private sealed record SuperlativeQuestion(string Superlative, string Kind, string[] Qualifiers);

    private static readonly Dictionary<string, string> SuperlativeSynonyms = new(StringComparer.Ordinal)
    {
        ["biggest"] = "largest", ["closest"] = "nearest", ["furthest"] = "farthest", ["tiniest"] = "smallest",
    };

    // Words that widen a superlative to everything rather than limit it to a place.
    private static readonly HashSet<string> Everywhere = new(StringComparer.Ordinal)
    {
        "world", "earth", "solar", "system", "universe", "known", "ever", "planet", "globe", "our", "all", "whole",
    };

    private static SuperlativeQuestion? Superlative(string question)
    {
        var q = question.ToLowerInvariant().Replace('’', '\'');
        var m = KindThenSuperlative().Match(q);
        if (!m.Success) m = SuperlativeThenKind().Match(q);
        if (!m.Success) return null;
        var s = m.Groups["s"].Value;
        if (SuperlativeSynonyms.TryGetValue(s, out var same)) s = same;
        var kind = m.Groups["kind"].Value;
        if (kind is "one" or "thing" or "of" or "the" or "is") return null;
        var qualifiers = WordNetDefinitions.ContentWords(m.Groups["rest"].Value).Where(w => !Everywhere.Contains(w) && w != kind && w != s).ToArray();
        return new SuperlativeQuestion(s, Singular(kind), qualifiers);
    }

    /// <summary>The one sense whose definition states the superlative, limited to no place the question does not name.</summary>
    private int? Find(SuperlativeQuestion q)
    {
        var glosses = _definitions.Value.Glosses;
        // The superlative heads the definition or one of its clauses ("the largest planet and …", "…; the highest mountain
        // peak in the world"), so a definition that merely mentions it ("this range contains the world's highest
        // mountain") or ranks below it ("the second largest continent") does not count.
        var phrase = new Regex(@"(?:(?:^|;\s*|\bthat\s+is\s+)(?:the\s+|world's\s+|earth's\s+|the\s+world's\s+)?|\band\s+the\s+(?:world's\s+)?)" + q.Superlative
            + @"(?:\s+(?<kind>" + Regex.Escape(q.Kind) + @"s?)\b(?<after>[^;(]*)|(?<after>(?:\s+(?:to|of|in|on|from|and)\b|\s*[,.]|\s*$)[^;(]*))", RegexOptions.CultureInvariant);
        var found = new List<int>();
        for (int i = 0; i < glosses.Count; i++)
        {
            var g = glosses[i];
            if (!g.Contains(q.Superlative, StringComparison.Ordinal)) continue;
            foreach (Match m in phrase.Matches(g))
            {
                // "the nearest to the sun" with "planet" elsewhere in the definition; "the largest planet".
                bool kindStated = m.Groups["kind"].Success || Regex.IsMatch(g, @"\b" + Regex.Escape(q.Kind) + @"\b");
                if (!kindStated) continue;
                var after = m.Groups["after"].Value;
                var limits = Limit().Match(after) is { Success: true } l
                    ? WordNetDefinitions.ContentWords(l.Groups["place"].Value).Where(w => !Everywhere.Contains(w)).ToArray() : [];
                // A limited superlative ("in the western hemisphere") answers only a question naming that place; the
                // question's own qualifiers ("to the sun") must all be in the definition.
                if (limits.Any(w => !q.Qualifiers.Contains(w))) continue;
                if (q.Qualifiers.Any(w => !Regex.IsMatch(g, @"\b" + Regex.Escape(w)))) continue;
                found.Add(i);
                break;
            }
            if (found.Count > 1) return null;
        }
        return found.Count == 1 ? found[0] : null;
    }

    // ---- ordinal titles ---------------------------------------------------------------------------------------------

    private sealed record TitleQuestion(string Ordinal, string Title);

    private static readonly string[] OrdinalWords =
    [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth",
        "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
    ];

    private static TitleQuestion? OrdinalTitle(string question)
    {
        var m = OrdinalTitleQuestion().Match(question);
        if (!m.Success) return null;
        var o = m.Groups["ord"].Value.ToLowerInvariant();
        int n = Array.IndexOf(OrdinalWords, o) + 1;
        if (n == 0 && !int.TryParse(o.AsSpan(0, o.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out n)) return null;
        var suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return new TitleQuestion(n.ToString(CultureInfo.InvariantCulture) + suffix, m.Groups["title"].Value.Trim());
    }

    private int? FindTitle(TitleQuestion q)
    {
        var glosses = _definitions.Value.Glosses;
        var phrase = new Regex(@"(?:^|[;(]\s*|\bthe\s+)" + Regex.Escape(q.Ordinal) + @"\s+" + Regex.Escape(q.Title) + @"\b", RegexOptions.CultureInvariant);
        int? found = null;
        for (int i = 0; i < glosses.Count; i++)
        {
            if (!glosses[i].Contains(q.Ordinal, StringComparison.Ordinal) || !phrase.IsMatch(glosses[i])) continue;
            if (found is not null) return null;
            found = i;
        }
        return found;
    }

    // ---- the answer's claim ---------------------------------------------------------------------------------------

    /// <summary>Replaces the one thing of <paramref name="kind"/> the answer names, when it is not <paramref name="truth"/>.</summary>
    private FactCheck? CheckEntity(string question, string answer, string kind, int? truth, string what)
    {
        if (truth is not { } sense) return null;
        var wn = _definitions.Value;
        var names = wn.LemmasOf(sense).Where(l => !l.Any(char.IsDigit)).ToList();
        if (names.Count == 0) return null;
        var folded = Fold(answer);
        if (names.Any(l => Regex.IsMatch(folded, @"(?<![\p{L}])" + Regex.Escape(l.Replace('_', ' ')) + @"(?![\p{L}])"))) return null;

        var kindPattern = new Regex(@"\b" + Regex.Escape(kind) + @"s?\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
        var asked = Fold(question);
        // Names first ("Saturn", "the Indian Ocean"); common nouns ("a lion") only when the answer names no such thing.
        var claims = Claims(answer, NameSpan(), sense, kindPattern, asked);
        if (claims.Count == 0) claims = Claims(answer, CommonNounSpan(), sense, kindPattern, asked);
        if (claims.Select(c => c.Lemma).Distinct().Count() != 1) return null;
        var claim = claims[0];
        var replacement = Display(names, answer.Substring(claim.Index, claim.Length), kind);
        return FactCheck.Replacing(Id, answer, claim.Index, claim.Length, replacement, $"WordNet: the {what} is {replacement}");
    }

    /// <summary>
    /// The spans of the answer that WordNet names as something of the kind (its definition mentions the kind), other than
    /// the truth and anything the question itself names (the Sun in "closest to the Sun"): for each span the longest run
    /// of its words that is such a name.
    /// </summary>
    private List<(int Index, int Length, string Lemma)> Claims(string answer, Regex spans, int truth, Regex kindPattern, string question)
    {
        var wn = _definitions.Value;
        var claims = new List<(int Index, int Length, string Lemma)>();
        foreach (Match span in spans.Matches(answer))
        {
            var words = WordInSpan().Matches(span.Value).ToList();
            (int Index, int Length, string Lemma)? best = null;
            for (int a = 0; a < words.Count && best is null; a++)
                for (int b = Math.Min(words.Count - 1, a + 4); b >= a && best is null; b--)
                {
                    int start = span.Index + words[a].Index, end = span.Index + words[b].Index + words[b].Length;
                    var text = Fold(answer[start..end]);
                    // A sentence's full stop is not part of the name ("George Washington."), an abbreviation's may be.
                    if (!wn.TryGetSenses(text.Replace(' ', '_'), out var senses))
                    {
                        while (text.EndsWith('.')) { text = text[..^1]; end--; }
                        if (text.Length == 0 || !wn.TryGetSenses(text.Replace(' ', '_'), out senses)) continue;
                    }
                    var lemma = text.Replace(' ', '_');
                    if (senses.Contains(truth)) continue;
                    if (kindPattern.Match(text) is { Success: true } k && k.Length == text.Length || Regex.IsMatch(question, @"(?<![\p{L}])" + Regex.Escape(text) + @"(?![\p{L}])")) continue;
                    // Of the kind when a definition mentions it, or when the name ends with it ("Arctic Ocean", "Hudson River").
                    bool namedAsKind = lemma.Contains('_') && kindPattern.IsMatch(lemma[(lemma.LastIndexOf('_') + 1)..]);
                    if (namedAsKind || senses.Any(s => kindPattern.IsMatch(wn.Glosses[s]))) best = (start, end - start, lemma);
                }
            if (best is { } found) claims.Add(found);
        }
        return claims;
    }

    /// <summary>The name of the right thing in the form of the wrong one: as many words, sharing its last word when it can.</summary>
    private static string Display(IReadOnlyList<string> lemmas, string claim, string kind)
    {
        var claimWords = claim.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var titleWords = kind.ToLowerInvariant().Split(' ');
        var best = lemmas
            .OrderByDescending(l => l.Split('_')[^1] == claimWords[^1].ToLowerInvariant())
            .ThenBy(l => l.Split('_').Count(titleWords.Contains)) // "Abraham Lincoln", not "President Abraham Lincoln"
            .ThenBy(l => Math.Abs(l.Split('_').Length - claimWords.Length))
            .ThenBy(l => l.Length)
            .First();
        var words = best.Split('_');
        if (!char.IsUpper(claim[0])) return string.Join(' ', words);
        return string.Join(' ', words.Select((w, i) => i > 0 && Particles.Contains(w) ? w : char.ToUpperInvariant(w[0]) + w[1..]));
    }

    private static readonly HashSet<string> Particles = new(StringComparer.Ordinal) { "de", "da", "del", "la", "le", "of", "the", "von", "van", "du", "des", "and" };

    // ---- counts of parts ------------------------------------------------------------------------------------------

    private FactCheck? CheckCount(string answer, string parts, string thing)
    {
        var wn = _definitions.Value;
        if (Senses(thing) is not { } senses) return null;
        var stem = Singular(parts);
        // "six-sided", "eight-legged", "with eight legs", "has four wings".
        var countPattern = new Regex(@"\b(?<n>[a-z]+|\d+)[- ]" + Regex.Escape(stem) + @"(?:s|d|ed|" + Regex.Escape(stem[^1].ToString()) + @"ed)?\b", RegexOptions.CultureInvariant);
        int? truth = null;
        foreach (var s in senses)
            foreach (Match m in countPattern.Matches(wn.Glosses[s]))
                if (CountValue(m.Groups["n"].Value) is { } n)
                {
                    if (truth is not null && truth != n) return null;
                    truth = n;
                }
        if (truth is not { } expected) return null;
        var numbers = Facts.NumberText.Find(answer).Where(n => n.Decimals == 0).ToList();
        if (numbers.Any(n => n.Value == expected)) return null;
        var before = numbers.Where(n => Regex.IsMatch(answer[n.End..], @"^[- ]" + Regex.Escape(stem), RegexOptions.IgnoreCase)).ToList();
        var claim = before.Count == 1 ? before[0] : numbers.Count == 1 ? numbers[0] : (Facts.NumberMention?)null;
        if (claim is not { } c) return null;
        var text = Facts.NumberText.FormatLike(expected, c, answer);
        return FactCheck.Replacing(Id, answer, c.Start, c.Length, text, $"WordNet: {("aeiou".Contains(char.ToLowerInvariant(thing.Trim()[0])) ? "an" : "a")} {thing.Trim()} has {expected} {parts}");
    }

    /// <summary>A whole count of at least two written as one word or in digits ("six", "8"), else null.</summary>
    private static int? CountValue(string word) =>
        Facts.NumberText.Find(word) is [var n] && n.Length == word.Length && n.Decimals == 0 && n.Value >= 2 && n.Value <= 1000 ? (int)n.Value : null;

    // ---- text helpers ------------------------------------------------------------------------------------------------

    private static string Fold(string text) => text.ToLowerInvariant().Replace('’', '\'');

    /// <summary>The likeliest singular of a plural (WordNet's noun endings), or the word itself.</summary>
    private static string Singular(string word) => WordNetDefinitions.Singulars(word).FirstOrDefault() ?? word;

    /// <summary>The senses of a thing asked about, as written or as a singular ("spiders" → "spider").</summary>
    private int[]? Senses(string thing)
    {
        var wn = _definitions.Value;
        var key = Fold(thing.Trim()).Replace(' ', '_');
        if (wn.TryGetSenses(key, out var senses)) return senses;
        foreach (var singular in WordNetDefinitions.Singulars(key))
            if (wn.TryGetSenses(singular, out senses)) return senses;
        return null;
    }

    // "Which planet is (the) largest …", "Which planet is closest to the Sun?"
    [GeneratedRegex(@"\b(?:which|what)\s+(?<kind>[a-z]+)\s+(?:is|was|has\s+been)\s+(?:the\s+)?(?<s>[a-z]+est)\b(?<rest>[^?.!]*)", RegexOptions.CultureInvariant)]
    private static partial Regex KindThenSuperlative();

    // "What is the largest ocean (in the world)?", "What's the world's longest river?", "Name the tallest animal."
    [GeneratedRegex(@"\b(?:which|what|name)(?:'s|\s+is|\s+was|\s+are)?\s+(?:is\s+|was\s+)?the\s+(?:(?:world's|earth's)\s+)?(?<s>[a-z]+est)\s+(?<kind>[a-z]+)\b(?<rest>[^?.!]*)", RegexOptions.CultureInvariant)]
    private static partial Regex SuperlativeThenKind();

    // What follows a superlative that limits it to a place: "in the western hemisphere", "of Japan".
    [GeneratedRegex(@"^\s*(?:[a-z]+\s+)?(?:in|of|on)\s+(?<place>[^,;]+)", RegexOptions.CultureInvariant)]
    private static partial Regex Limit();

    // "Who was the 16th President of the United States?", "Who was the first Emperor of Rome?"
    [GeneratedRegex(@"\b(?i:who|which|name)\b.*?\b(?i:the)\s+(?<ord>(?i:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth)|\d{1,3}(?i:st|nd|rd|th))\s+(?<title>\p{Lu}\p{Ll}+(?:\s+(?:of\s+the\s+|of\s+)?\p{Lu}\p{Ll}+)*)", RegexOptions.CultureInvariant)]
    private static partial Regex OrdinalTitleQuestion();

    // "How many sides does a hexagon have?", "How many legs do spiders have?"
    [GeneratedRegex(@"^\s*(?i:how)\s+(?i:many)\s+(?<parts>[a-zA-Z]+)\s+(?i:does|do)\s+(?:(?i:a|an|the)\s+)?(?<thing>[a-zA-Z]+(?:\s+[a-zA-Z]+)?)\s+(?i:have|has)\b", RegexOptions.CultureInvariant)]
    private static partial Regex CountQuestion();

    // "Are whales fish?", "Is a spider an insect?", "What kind of animal is a dolphin?"
    [GeneratedRegex(@"^\s*(?:(?i:is|are)\s+(?:(?i:a|an|the)\s+)?(?<thing>[A-Za-z]+(?:\s+[A-Za-z]+)??)\s+(?:(?i:a|an|really\s+a|really|actually\s+a|actually)\s+)?(?<class>(?i:mammals?|birds?|fish|fishes|reptiles?|amphibians?|insects?|arachnids?|crustaceans?|mollus[kc]s?))|(?i:what)\s+(?i:kind|type|sort|class)\s+of\s+(?i:animal|creature)\s+(?i:is|are)\s+(?:(?i:a|an|the)\s+)?(?<thing>[A-Za-z]+(?:\s+[A-Za-z]+)?))\s*\??\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ClassQuestion();

    // A name in an answer: capitalised words, possibly joined by particles; or one lower-case word.
    [GeneratedRegex(@"\p{Lu}[\p{L}\p{N}.'’-]*(?:\s+(?:(?:of|de|da|del|la|le|the|von|van|du)\s+)?\p{Lu}[\p{L}\p{N}.'’-]*)*", RegexOptions.CultureInvariant)]
    private static partial Regex NameSpan();

    // Runs of lower-case words (a common noun such as "blue whale" sits inside one).
    [GeneratedRegex(@"(?<![\p{L}])\p{Ll}[\p{L}-]*(?:\s+\p{Ll}[\p{L}-]*)*", RegexOptions.CultureInvariant)]
    private static partial Regex CommonNounSpan();

    [GeneratedRegex(@"[\p{L}\p{N}.'’-]+", RegexOptions.CultureInvariant)]
    private static partial Regex WordInSpan();
}
