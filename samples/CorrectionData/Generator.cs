using System.Text;

namespace Aligner.Samples.CorrectionData;

internal sealed record Row(string Question, string Answer, string Correction, string Category, string Kind);

/// <summary>Composes rows of the four categories from the sources and the hand-written blocks; every choice comes from one seeded <see cref="Random"/>.</summary>
internal sealed class Generator
{
    private readonly Random _rng;
    private readonly Split _split;
    private readonly Pools _p;

    public Generator(Pools pools, Split split, int seed)
    {
        _p = pools; _split = split; _rng = new Random(seed);
    }

    private T Pick<T>(Pool<T> pool) => pool.Pick(_rng, _split);
    private T Any<T>(IReadOnlyList<T> list) => list[_rng.Next(list.Count)];
    private bool Chance(double p) => _rng.NextDouble() < p;

    /// <summary>(weight, category, kind, factory) for each row kind; weights sum to ~100.</summary>
    public IReadOnlyList<(double Weight, string Kind, Func<Row> Make)> Kinds => _kinds ??=
    [
        (11.0, "good/gloss", GoodGloss),
        (5.0, "good/example", GoodExample),
        (9.0, "good/brown", GoodBrown),
        (6.0, "good/names-numbers", GoodNamesNumbers),
        (6.5, "good/fact", () => Fact(wrong: false)),
        (4.0, "good/everyday", GoodEveryday),
        (3.5, "good/benign-lookalike", GoodBenign),
        (1.0, "good/degenerate", Degenerate),
        (20.0, "harmful", Harmful),
        (20.0, "factual", () => Fact(wrong: true)),
        (15.0, "unhelpful", Unhelpful),
    ];
    private IReadOnlyList<(double, string, Func<Row>)>? _kinds;

    public Row Next()
    {
        var total = Kinds.Sum(k => k.Weight);
        var x = _rng.NextDouble() * total;
        foreach (var (w, _, make) in Kinds)
        {
            if (x < w) return make();
            x -= w;
        }
        return Kinds[^1].Make();
    }

    // ---------------- helpers ----------------

    private string WrapQ(string question)
    {
        var w = Pick(_p.QuestionWrappers);
        if (w.StartsWith("{q}", StringComparison.Ordinal)) return w.Replace("{q}", question);
        // "Hey, how do I ..." reads better lower-cased, but keep proper nouns and "I".
        var q = question.Length > 1 && char.IsUpper(question[0]) && char.IsLower(question[1]) && !question.StartsWith("I ", StringComparison.Ordinal)
            && w.EndsWith(", {q}", StringComparison.Ordinal) ? char.ToLowerInvariant(question[0]) + question[1..] : question;
        return w.Replace("{q}", q);
    }

    private static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
    private static string Lower1(string s) => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..];
    private static string EndSentence(string s) => s.EndsWith('.') || s.EndsWith('!') || s.EndsWith('?') ? s : s + ".";
    private static string Article(string noun) => "aeiouAEIOU".Contains(noun[0]) ? "an" : "a";

    private string Name() => Pick(_p.FirstNames) + (Chance(0.5) ? " " + Pick(_p.LastNames) : "");

    private string Sentence() => Chance(0.5) ? Pick(_p.Brown).Text : EndSentence(Cap(Pick(_p.ExampleSenses).Examples[0]));

    private string WithContext(string answer, out Func<string, string> apply)
    {
        if (!Chance(0.3)) { apply = s => s; return answer; }
        var ctx = Sentence();
        if (Chance(0.5)) { apply = s => ctx + " " + s; return ctx + " " + answer; }
        apply = s => s + " " + ctx;
        return answer + " " + ctx;
    }

    private static int WordCount(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    // ---------------- good ----------------

    private Row GoodGloss()
    {
        var s = Pick(_p.Senses);
        var w = s.Lemma;
        string q = Pick(_p.GlossQuestions).Replace("{w}", w).Replace("{a}", Article(w));
        var def = s.Definition;
        var a = Pick(_p.GlossAnswers) switch
        {
            "noun" when s.Pos == 'n' => $"{Cap(Article(w))} {w} is {Article(def)} {def}.",
            "means" => $"{Cap(w)} means {def}.",
            "quoted" => $"\"{w}\" means {def}.",
            "it" => $"It means {def}.",
            "bare" => EndSentence(Cap(def)),
            "short" => $"In short: {def}.",
            "pos" => $"As a{(s.Pos == 'a' ? "n adjective" : s.Pos == 'r' ? "n adverb" : s.Pos == 'v' ? " verb" : " noun")}, {w} means {def}.",
            _ => $"{Cap(w)}: {def}.",
        };
        if (s.Examples.Count > 0 && Chance(0.35)) a += $" For example: \"{s.Examples[0]}.\"";
        return Good(WrapQ(q), a, "good/gloss");
    }

    private Row GoodExample()
    {
        var s = Pick(_p.ExampleSenses);
        var q = Pick(_p.ExampleQuestions).Replace("{w}", s.Lemma);
        var ex = EndSentence(Cap(Any(s.Examples)));
        var a = _rng.Next(5) switch
        {
            0 => $"Here's one: \"{ex}\"",
            1 => $"For example: {ex}",
            2 => $"Sure: {ex}",
            _ => ex,
        };
        if (Chance(0.3)) a += $" Here, {s.Lemma} means {s.Definition}.";
        return Good(WrapQ(q), a, "good/example");
    }

    private Row GoodBrown()
    {
        var start = Pick(_p.Brown);
        var words = _rng.Next(3) switch { 0 => 12, 1 => 35, _ => 80 };
        var sb = new StringBuilder(start.Text);
        var i = start.Index + 1;
        while (i < _p.BrownAll.Count && _p.BrownAll[i].File == start.File && WordCount(sb.ToString()) + WordCount(_p.BrownAll[i].Text) <= words && Chance(0.8))
            sb.Append(' ').Append(_p.BrownAll[i++].Text);
        var q = Pick(_p.BrownQuestions);
        return Good(WrapQ(q), sb.ToString(), "good/brown");
    }

    private Row GoodNamesNumbers()
    {
        var n = Name();
        var first = n.Split(' ')[0];
        var things = Pick(_p.Things);
        var num = _rng.Next(3) switch { 0 => _rng.Next(2, 100), 1 => _rng.Next(100, 1000), _ => _rng.Next(1000, 100000) };
        var month = Any(Content.Months);
        var day = _rng.Next(1, 29);
        var time = $"{_rng.Next(7, 20)}:{_rng.Next(0, 12) * 5:00}";
        (string q, string a) = _rng.Next(10) switch
        {
            0 => ($"How old is {n}?", $"{n} is {_rng.Next(3, 95)} years old."),
            1 => ($"When is {first}'s appointment?", $"{first}'s appointment is on {month} {day} at {time}."),
            2 => ($"What's the total on invoice {num}?", $"Invoice {num} comes to {_rng.Next(5, 5000)} dollars and {_rng.Next(1, 100)} cents."),
            3 => ($"How many {things} did {n} order?", $"{n} ordered {num} {things}."),
            4 => ($"Who wrote the report on {Pick(_p.Senses).Lemma}?", $"The report was written by {n} in {_rng.Next(1950, 2026)}."),
            5 => ($"What's {first}'s room number?", $"{first} is in room {num}, on floor {_rng.Next(1, 30)}."),
            6 => ($"What did {n} write in the note?", $"{n} wrote: \"{Pick(_p.Brown).Text}\""),
            7 => ($"Remind me what {first} asked for.", $"{first} asked for {_rng.Next(2, 60)} {things} by {month} {day}."),
            8 => ($"Who is picking up the {things}?", $"{n} will pick up the {things} at {time} on {Any(Content.Weekdays)}."),
            _ => ($"What's the tracking number for {first}'s package?", $"The tracking number is {_rng.Next(100000, 999999)}{_rng.Next(1000, 9999)}, and it should arrive on {month} {day}."),
        };
        return Good(WrapQ(q), a, "good/names-numbers");
    }

    private Row GoodEveryday()
    {
        var (q, a, _) = Helpful();
        return Good(WrapQ(q), a, "good/everyday");
    }

    private Row GoodBenign()
    {
        var (qs, a) = Pick(_p.Benign);
        return Good(WrapQ(Any(qs)), a, "good/benign-lookalike");
    }

    private Row Degenerate()
    {
        var q = Chance(0.5) ? Helpful().Question : Pick(_p.BrownQuestions);
        string a;
        switch (_rng.Next(4))
        {
            case 0: // binary-ish garbage
            {
                var sb = new StringBuilder();
                var len = _rng.Next(8, 120);
                for (var i = 0; i < len; i++)
                {
                    var c = _rng.Next(6) switch
                    {
                        0 => (char)_rng.Next(0x01, 0x20),
                        1 => (char)_rng.Next(0xA0, 0x250),
                        2 => (char)_rng.Next(0x4E00, 0x9FA5),
                        3 => '\uFFFD',
                        _ => (char)_rng.Next(0x21, 0x7F),
                    };
                    sb.Append(c);
                }
                a = sb.ToString();
                break;
            }
            case 1: // keyboard mash / repeated characters
                a = new string(Any("asdfghjkl;qwertyuiop!?.".ToCharArray()), _rng.Next(5, 200)) + (Chance(0.5) ? " " + _rng.Next() : "");
                break;
            case 2: // a very long answer, truncated to fit
            {
                var sb = new StringBuilder();
                while (sb.Length < 560) sb.Append(Pick(_p.Brown).Text).Append(' ');
                var cut = sb.ToString(0, 480);
                a = cut[..cut.LastIndexOf(' ')];
                break;
            }
            default: // repeated word or sentence
            {
                var w = Chance(0.5) ? Pick(_p.Senses).Lemma : Pick(_p.Brown).Text;
                a = string.Join(" ", Enumerable.Repeat(w, _rng.Next(5, w.Length > 20 ? 8 : 60)));
                break;
            }
        }
        if (a.Length > 480) a = a[..a.LastIndexOf(' ', 480)];
        return Good(q, a, "good/degenerate");
    }

    private static Row Good(string q, string a, string kind) => new(q, a, a, "good", kind);

    // ---------------- everyday help pool ----------------

    /// <summary>A question with a real, helpful answer and its topic: hand-written tips, composed skills, WordNet definitions, facts.</summary>
    private (string Question, string Answer, string Topic) Helpful()
    {
        switch (_rng.Next(10))
        {
            case 0: case 1: case 2:
            {
                var h = Pick(_p.Everyday);
                return (Any(h.Questions), h.Answer, h.Topic);
            }
            case 3: case 4:
            {
                var s = Pick(_p.Skills);
                return (Pick(_p.SkillQuestions).Replace("{s}", s), Pick(_p.SkillAnswers).Replace("{s}", s), s);
            }
            case 5: case 6: case 7:
            {
                var s = Pick(_p.Senses);
                var q = Pick(_p.GlossQuestions).Replace("{w}", s.Lemma).Replace("{a}", Article(s.Lemma));
                return (q, $"{Cap(s.Lemma)} means {s.Definition}.", $"the word \"{s.Lemma}\"");
            }
            default:
            {
                var f = FactPair(wrong: false);
                return (f.Question, f.Answer, f.Topic);
            }
        }
    }

    // ---------------- unhelpful ----------------

    private Row Unhelpful()
    {
        var (q, help, topic) = Helpful();
        var opener = Pick(_p.RudeOpeners);
        var core = Pick(_p.RudeCores).Replace("{topic}", topic);
        if (opener.EndsWith(", ", StringComparison.Ordinal)) core = Lower1(core);
        var rude = opener + core;
        if (Chance(0.35)) rude += " " + Pick(_p.RudeCores).Replace("{topic}", topic);
        rude += Pick(_p.RudeClosers);
        var polite = Pick(_p.PolitePrefixes) + help;
        return new Row(WrapQ(q), rude.Trim(), polite, "unhelpful", "unhelpful");
    }

    // ---------------- harmful ----------------

    private Row Harmful()
    {
        var (hazard, task0) = Pick(_p.HazardTasks);
        var task = task0.Replace("{N}", Name()).Replace("{G}", Any(Content.Groups));
        var q = Pick(_p.HarmfulPhrasings).Replace("{t}", task);
        var a = Pick(_p.Compliant).Replace("{t}", SecondPerson(task));
        var refusal = Pick(_p.Refusals);
        var redirect = Any(hazard.Redirects);
        var correction = hazard.Name == "suicide and self-harm" ? redirect + (Chance(0.5) ? " " + refusal : "")
            : Chance(0.7) ? refusal + " " + redirect : refusal;
        return new Row(WrapQ(q), a, correction, "harmful", "harmful/" + hazard.Name);
    }

    private static string SecondPerson(string task) =>
        (" " + task + " ").Replace(" my ", " your ").Replace(" me ", " you ").Replace(" myself ", " yourself ").Replace(" I ", " you ")
            .Replace(" I'm ", " you're ").Replace(" I've ", " you've ").Trim();

    // ---------------- facts ----------------

    private Row Fact(bool wrong)
    {
        var f = FactPair(wrong);
        var answer = WithContext(f.Answer, out var apply);
        return wrong
            ? new Row(WrapQ(f.Question), answer, apply(f.Correct), "factual", "factual/" + f.Kind)
            : new Row(WrapQ(f.Question), answer, answer, "good", "good/fact-" + f.Kind);
    }

    private sealed record FactItem(string Question, string Answer, string Correct, string Topic, string Kind);

    /// <summary>A question with its answer (wrong or right) and the right answer in the same wording.</summary>
    private FactItem FactPair(bool wrong)
    {
        var kind = _rng.Next(12);
        return kind switch
        {
            < 3 => Capital(wrong),
            3 => Continent(wrong),
            4 => Currency(wrong),
            < 8 => Arithmetic(wrong),
            < 10 => Conversion(wrong),
            _ => DateFact(wrong),
        };
    }

    private FactItem Build(string q, string[] templates, string right, string wrongValue, bool wrong, string topic, string kind)
    {
        var t = Any(templates);
        var correct = t.Replace("{v}", right);
        return new FactItem(q, wrong ? t.Replace("{v}", wrongValue) : correct, correct, topic, kind);
    }

    private FactItem Capital(bool wrong)
    {
        var c = Pick(_p.CountriesWithCapital);
        var other = OtherCountry(c, x => x.Capital != c.Capital);
        var q = Any(new[] { $"What is the capital of {c.Name}?", $"Which city is the capital of {c.Name}?", $"Name the capital of {c.Name}.", $"What's {c.Name}'s capital city?", $"Where is the seat of government of {c.Name}?" });
        return Build(q, [$"The capital of {c.Name} is {{v}}.", $"{{v}} is the capital of {c.Name}.", "It's {v}.", $"{c.Name}'s capital is {{v}}.", "The capital is {v}.", $"{{v}}. It has been the capital of {c.Name} for a long time."],
            c.Capital, other.Capital, wrong, $"the capital of {c.Name}", "capital");
    }

    private Country OtherCountry(Country c, Func<Country, bool> differs)
    {
        var all = _p.CountryList;
        for (var i = 0; i < 20; i++)
        {
            var o = all[_rng.Next(all.Count)];
            if (differs(o) && (o.Continent == c.Continent || i > 10)) return o;
        }
        return all.First(differs);
    }

    private FactItem Continent(bool wrong)
    {
        var c = Pick(_p.CountriesWithCapital);
        var wrongCont = Any(_p.Continents.Where(x => x != c.Continent).ToArray());
        var q = Any(new[] { $"Which continent is {c.Name} in?", $"On what continent is {c.Name}?", $"Where is {c.Name} located?" });
        return Build(q, [$"{c.Name} is in {{v}}.", $"{c.Name} is a country in {{v}}.", "It's in {v}.", $"You'll find {c.Name} in {{v}}."],
            c.Continent, wrongCont, wrong, $"where {c.Name} is", "continent");
    }

    private FactItem Currency(bool wrong)
    {
        var c = Pick(_p.CountriesWithCurrency);
        var other = OtherCountry(c, x => x.CurrencyName is not null && x.CurrencyName != c.CurrencyName);
        var q = Any(new[] { $"What currency does {c.Name} use?", $"What is the currency of {c.Name}?", $"Which money do they use in {c.Name}?" });
        return Build(q, [$"{c.Name} uses the {{v}}.", $"The currency of {c.Name} is the {{v}}.", "They use the {v}.", $"In {c.Name} you pay with the {{v}}."],
            c.CurrencyName!, other.CurrencyName!, wrong, $"the currency of {c.Name}", "currency");
    }

    private int Operand() => _rng.Next(3) switch { 0 => _rng.Next(1, 10), 1 => _rng.Next(10, 100), _ => _rng.Next(100, 1000) };

    private long WrongNumber(long right)
    {
        long w;
        do
        {
            w = _rng.Next(5) switch
            {
                0 => right + _rng.Next(1, 4),
                1 => right - _rng.Next(1, 4),
                2 => right + (_rng.Next(2) == 0 ? 10 : -10),
                3 => right * 10,
                _ => right + _rng.Next(-100, 101),
            };
        } while (w == right || w < 0 && right >= 0);
        return w;
    }

    private FactItem Arithmetic(bool wrong)
    {
        var a = Operand();
        var b = Operand();
        var op = _rng.Next(3);
        if (op == 2) b = _rng.Next(2) == 0 ? _rng.Next(1, 13) : b;
        if (op == 1 && b > a && Chance(0.7)) (a, b) = (b, a);
        long r = op switch { 0 => a + b, 1 => a - b, _ => (long)a * b };
        var (sym, word) = op switch { 0 => ("+", "plus"), 1 => ("-", "minus"), _ => ("×", "times") };
        var symQ = op == 2 && Chance(0.5) ? "*" : sym;
        var q = _rng.Next(6) switch
        {
            0 => $"What is {a} {symQ} {b}?",
            1 => $"What's {a} {word} {b}?",
            2 => $"Calculate {a} {word} {b}.",
            3 => $"{a} {symQ} {b} = ?",
            4 => op == 0 ? $"What is the sum of {a} and {b}?" : op == 1 ? $"What do you get if you subtract {b} from {a}?" : $"What is the product of {a} and {b}?",
            _ => $"Can you work out {a} {word} {b} for me?",
        };
        return Build(q, [$"{a} {sym} {b} = {{v}}.", "The answer is {v}.", $"{a} {word} {b} is {{v}}.", "It's {v}.", $"That comes to {{v}}.", $"{a} {word} {b} equals {{v}}."],
            r.ToString(), WrongNumber(r).ToString(), wrong, "arithmetic", "arithmetic");
    }

    private static readonly (string Big, string Small, int Factor)[] Units =
    [
        ("kilometers", "meters", 1000), ("meters", "centimeters", 100), ("centimeters", "millimeters", 10), ("kilograms", "grams", 1000),
        ("liters", "milliliters", 1000), ("hours", "minutes", 60), ("minutes", "seconds", 60), ("days", "hours", 24), ("weeks", "days", 7),
        ("feet", "inches", 12), ("yards", "feet", 3), ("dozen", "items", 12), ("years", "months", 12), ("kilobytes", "bytes", 1000),
    ];

    private FactItem Conversion(bool wrong)
    {
        var (big, small, f) = Any(Units);
        var n = _rng.Next(1, 60);
        var r = (long)n * f;
        var bigLabel = big == "dozen" ? (n == 1 ? "dozen" : "dozen") : n == 1 ? big.TrimEnd('s').Replace("fee", "foot") : big;
        var q = _rng.Next(3) switch
        {
            0 => $"How many {small} are in {n} {bigLabel}?",
            1 => $"Convert {n} {bigLabel} to {small}.",
            _ => $"What is {n} {bigLabel} in {small}?",
        };
        var wrongV = Chance(0.4) ? (r / f * (f == 1000 ? 100 : f == 100 ? 10 : f == 60 ? 100 : f + 2)).ToString() : WrongNumber(r).ToString();
        if (wrongV == r.ToString()) wrongV = (r + 1).ToString();
        return Build(q, [$"{n} {bigLabel} is {{v}} {small}.", $"That's {{v}} {small}.", $"There are {{v}} {small} in {n} {bigLabel}.", $"{n} {bigLabel} equals {{v}} {small}."],
            r.ToString(), wrongV, wrong, $"converting {big} to {small}", "units");
    }

    private FactItem DateFact(bool wrong)
    {
        switch (_rng.Next(5))
        {
            case 0:
            {
                var d = _rng.Next(7);
                var k = _rng.Next(1, 10);
                var right = Content.Weekdays[(d + k) % 7];
                var wrongD = Content.Weekdays[(d + k + _rng.Next(1, 7)) % 7];
                return Build($"If today is {Content.Weekdays[d]}, what day will it be in {k} days?", ["It will be {v}.", $"In {k} days it will be {{v}}.", "{v}."], right, wrongD, wrong, "days of the week", "dates");
            }
            case 1:
            {
                var m = _rng.Next(12);
                var right = Content.Months[(m + 1) % 12];
                var wrongM = Content.Months[(m + _rng.Next(2, 12)) % 12];
                return Build($"Which month comes after {Content.Months[m]}?", [$"{{v}} comes after {Content.Months[m]}.", "The next month is {v}.", "It's {v}."], right, wrongM, wrong, "the months", "dates");
            }
            case 2:
            {
                var m = _rng.Next(12);
                var right = Content.MonthDays[m];
                var wrongN = right == 31 ? 30 : right == 30 ? 31 : 30;
                return Build($"How many days are there in {Content.Months[m]}?", [$"{Content.Months[m]} has {{v}} days.", "There are {v} days.", $"{{v}} days{(m == 1 ? ", or 29 in a leap year" : "")}."],
                    right.ToString(), wrongN.ToString(), wrong, "the calendar", "dates");
            }
            case 3:
            {
                var y = _rng.Next(1900, 2020);
                var k = _rng.Next(2, 80);
                var right = y + k;
                return Build($"What year is {k} years after {y}?", [$"{k} years after {y} is {{v}}.", "It's {v}.", "That would be {v}."], right.ToString(), WrongNumber(right).ToString(), wrong, "years", "dates");
            }
            default:
            {
                var y = _rng.Next(1900, 2010);
                var age = _rng.Next(5, 100);
                var n = Name();
                return Build($"{n} was born in {y}. How old does {n.Split(' ')[0]} turn in {y + age}?", [$"{n.Split(' ')[0]} turns {{v}} in {y + age}.", "{v} years old.", $"In {y + age}, {n.Split(' ')[0]} turns {{v}}."],
                    age.ToString(), WrongNumber(age).ToString(), wrong, "ages", "dates");
            }
        }
    }
}
