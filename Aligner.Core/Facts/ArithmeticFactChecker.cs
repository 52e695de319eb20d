using System.Globalization;
using System.Text.RegularExpressions;

namespace Aligner.Facts;

/// <summary>
/// Checks answers to arithmetic questions ("What is 17 + 26?", "quick one: 9 times 7?", "What's 15% of 200?", "144 divided
/// by 12") and the sums an answer writes out itself ("7 days × 24 hours = 148 hours"). The question must be only the
/// expression and a few asking words, so a question that merely contains numbers is never read as a sum. The answer's
/// result is the number after its last "=", else the one number that is not an operand; when that is unclear nothing is
/// changed.
/// </summary>
public sealed partial class ArithmeticFactChecker : IFactChecker
{
    /// <inheritdoc />
    public string Id => "arithmetic";

    private static readonly HashSet<string> AskingWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "what", "whats", "what's", "is", "s", "calculate", "compute", "work", "out", "how", "much", "quick", "one", "question",
        "please", "equals", "equal", "to", "the", "answer", "result", "value", "can", "could", "you", "tell", "me", "do", "does",
        "make", "makes", "solve", "hey", "ok", "okay", "so", "and", "then", "of", "get", "i", "if", "would", "quickly", "real",
        "simple", "maths", "math", "sum", "product", "difference", "exactly", "again", "remind", "help", "with", "this", "that",
        "figure", "find", "give", "it", "are", "be", "will", "by", "q", "a", "an", "just", "now", "come", "comes", "up", "for", "us",
        "mind", "know", "sure", "wondering", "was", "im", "i'm", "need", "want", "hi", "hello", "thanks", "thank", "quick",
    };

    /// <inheritdoc />
    public FactCheck? Check(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (!FactCheckers.IsCheckable(question, answer)) return null;
        return CheckQuestion(question, answer) ?? CheckWrittenSums(answer);
    }

    private FactCheck? CheckQuestion(string question, string answer)
    {
        if (ParseQuestion(question) is not { } sum) return null;
        var numbers = NumberText.Find(answer);
        if (numbers.Count == 0) return null;

        // The right result stated anywhere ("That comes to 8.") settles it, even when it equals an operand (16 − 8).
        if (numbers.Any(n => Exact(n.Value, n.Decimals, sum.Value) && StatingVerb().IsMatch(answer[..n.Start]))) return null;
        NumberMention? claim = null;
        int equals = Math.Max(answer.LastIndexOf('='), answer.LastIndexOf(" equals ", StringComparison.OrdinalIgnoreCase));
        if (equals >= 0)
            claim = numbers.Where(n => n.Start > equals).Select(n => (NumberMention?)n).FirstOrDefault();
        if (claim is null)
        {
            // Drop the operands as they are restated, in order; what is left holds the result.
            var operands = sum.Operands.ToList();
            var rest = new List<NumberMention>();
            foreach (var n in numbers)
            {
                int k = operands.FindIndex(o => Exact(n.Value, n.Decimals, o) && Math.Abs(n.Value - o) < 1e-9);
                if (k >= 0) operands.RemoveAt(k);
                else rest.Add(n);
            }
            // A lone number is the stated result even when it equals an operand ("What is 25% of 80?" — "It's 25.").
            if (numbers.Count == 1) rest = [numbers[0]];
            if (rest.Count == 0 || rest.Any(n => Exact(n.Value, n.Decimals, sum.Value))) return null;
            if (rest.Count == 1) claim = rest[0];
            else
            {
                var stated = rest.Where(n => StatingVerb().IsMatch(answer[..n.Start])).ToList();
                if (stated.Count != 1) return null;
                claim = stated[0];
            }
        }
        var c = claim.Value;
        if (Exact(c.Value, c.Decimals, sum.Value)) return null;
        var expected = NumberText.FormatLike(sum.Value, c, answer, minDecimals: 2);
        return FactCheck.Replacing(Id, answer, c.Start, c.Length, expected, $"{sum.Text} = {expected}");
    }

    /// <summary>
    /// A stated result agrees with the true one when it is equal, or rounds it when written with decimals ("3.33" for
    /// 10 ÷ 3); an integer stated for a fraction is wrong.
    /// </summary>
    private static bool Exact(double claim, int decimals, double truth) =>
        Math.Abs(claim - truth) <= 1e-9 * Math.Max(1, Math.Abs(truth)) || (decimals > 0 && NumberText.Agrees(claim, decimals, truth));

    /// <summary>Sums written out in the answer: "a op b (op c …) = r" with an optional unit word after each number.</summary>
    private FactCheck? CheckWrittenSums(string answer)
    {
        foreach (Match m in WrittenSum().Matches(answer))
        {
            var lhs = m.Groups["lhs"].Value;
            var expression = Normalize(WordAfterNumber().Replace(lhs, "$1"));
            if (!Expression.TryEvaluate(expression, out var value, out _)) continue;
            var result = m.Groups["result"];
            var claim = NumberText.Find(result.Value, words: false);
            if (claim.Count != 1) continue;
            var c = claim[0];
            if (Exact(c.Value, c.Decimals, value)) continue;
            var expected = NumberText.Format(value, c.Decimals, NumberText.PrefersGrouping(answer, c), minDecimals: 2);
            return FactCheck.Replacing(Id, answer, result.Index, result.Length, expected, $"{lhs.Trim()} = {expected}");
        }
        return null;
    }

    /// <summary>The question's expression, when the question is nothing but that expression and asking words.</summary>
    internal static (double Value, string Text, List<double> Operands)? ParseQuestion(string question)
    {
        var text = Normalize(question);
        // The longest run of expression characters holding an operator between two numbers.
        Match? best = null;
        foreach (Match m in ExpressionRun().Matches(text))
            if (m.Value.Trim().Length > (best?.Value.Trim().Length ?? 0) && BinaryOperator().IsMatch(m.Value)) best = m;
        if (best is null) return null;
        var rest = text.Remove(best.Index, best.Length).Insert(best.Index, " "); // "work out 6 × 9 for me": "out" and "for" stay two words
        foreach (Match w in Words().Matches(rest))
            if (!AskingWords.Contains(w.Value)) return null;
        var expression = best.Value.Trim();
        if (!Expression.TryEvaluate(expression, out var value, out var operands)) return null;
        return (value, Pretty(expression), operands);
    }

    /// <summary>Operators and number words as symbols and digits, lower case, thousands separators removed.</summary>
    internal static string Normalize(string text)
    {
        var s = text.ToLowerInvariant();
        var words = NumberText.Find(s).Where(n => n.IsWord).ToList();
        for (int i = words.Count - 1; i >= 0; i--)
            s = NumberText.Replace(s, words[i].Start, words[i].Length, words[i].Value.ToString(CultureInfo.InvariantCulture));
        s = Grouping().Replace(s, "$1$2");
        s = Grouping().Replace(s, "$1$2");
        s = s.Replace('×', '*').Replace('✕', '*').Replace('·', '*').Replace('÷', '/').Replace('−', '-').Replace('–', '-');
        s = SubtractFrom().Replace(s, "$2 - $1");
        s = BinaryWords().Replace(s, m => m.Groups["a"].Value + (m.Groups["op"].Value switch
        {
            "sum" or "total" or "add" => " + ",
            "product" or "multiply" => " * ",
            "difference" => " - ",
            _ => " / ",
        }) + m.Groups["b"].Value);
        s = FractionOf().Replace(s, m => m.Groups["n"].Value + " / " + (m.Groups["f"].Value switch
        {
            "half" => "2",
            "third" => "3",
            "quarter" or "fourth" => "4",
            "fifth" => "5",
            _ => "10",
        }));
        s = Twice().Replace(s, "2 * ");
        s = Percent().Replace(s, "$1 % ");
        s = SquareRoot().Replace(s, " √ ");
        s = Power().Replace(s, " ^ ");
        s = Squared().Replace(s, " ^ 2");
        s = Cubed().Replace(s, " ^ 3");
        s = Times().Replace(s, " * ");
        s = DividedBy().Replace(s, " / ");
        s = Plus().Replace(s, " + ");
        s = Minus().Replace(s, " - ");
        s = LetterX().Replace(s, "$1 * ");
        return s;
    }

    private static string Pretty(string expression) =>
        Spaces().Replace(expression.Replace("*", " × ").Replace("/", " ÷ ").Replace("+", " + ").Replace("%", "% of ").Replace("^", " ^ "), " ").Trim()
            .Replace("( ", "(").Replace(" )", ")");

    /// <summary>A tiny recursive-descent evaluator for + − × ÷ ^ √, percent-of (%) and parentheses.</summary>
    private ref struct Expression
    {
        private readonly string _s;
        private int _i;
        private readonly List<double> _operands;

        private Expression(string s) { _s = s; _i = 0; _operands = []; }

        public static bool TryEvaluate(string s, out double value, out List<double> operands)
        {
            var e = new Expression(s);
            operands = e._operands;
            value = 0;
            try
            {
                value = e.Sum();
                e.SkipSpaces();
                return e._i == s.Length && double.IsFinite(value) && operands.Count >= 1;
            }
            catch (FormatException) { return false; }
        }

        private double Sum()
        {
            double v = Product();
            while (true)
            {
                SkipSpaces();
                if (Eat('+')) v += Product();
                else if (Eat('-')) v -= Product();
                else return v;
            }
        }

        private double Product()
        {
            double v = Power();
            while (true)
            {
                SkipSpaces();
                if (Eat('*')) v *= Power();
                else if (Eat('/')) { double d = Power(); if (d == 0) throw new FormatException(); v /= d; }
                else if (Eat('%')) v = v / 100 * Power();
                else return v;
            }
        }

        private double Power()
        {
            double b = Unary();
            SkipSpaces();
            if (!Eat('^')) return b;
            double x = Power();
            if (Math.Abs(x) > 64) throw new FormatException();
            return Math.Pow(b, x);
        }

        private double Unary()
        {
            SkipSpaces();
            if (Eat('-')) return -Unary();
            if (Eat('√')) { double v = Unary(); if (v < 0) throw new FormatException(); return Math.Sqrt(v); }
            if (Eat('('))
            {
                double v = Sum();
                SkipSpaces();
                if (!Eat(')')) throw new FormatException();
                return v;
            }
            int start = _i;
            while (_i < _s.Length && (char.IsAsciiDigit(_s[_i]) || _s[_i] == '.')) _i++;
            if (!double.TryParse(_s.AsSpan(start, _i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) throw new FormatException();
            _operands.Add(n);
            return n;
        }

        private bool Eat(char c)
        {
            if (_i < _s.Length && _s[_i] == c) { _i++; return true; }
            return false;
        }

        private void SkipSpaces()
        {
            while (_i < _s.Length && _s[_i] == ' ') _i++;
        }
    }

    [GeneratedRegex(@"[\d.\s+\-*/^()%√]+", RegexOptions.CultureInvariant)]
    private static partial Regex ExpressionRun();

    [GeneratedRegex(@"[\d)]\s*[+\-*/^%]\s*[\d(√-]|√\s*[\d(]", RegexOptions.CultureInvariant)]
    private static partial Regex BinaryOperator();

    [GeneratedRegex(@"[a-z']+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();

    [GeneratedRegex(@"(\d),(\d{3})(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\bsubtract\s+([\d.]+)\s+from\s+([\d.]+)", RegexOptions.CultureInvariant)]
    private static partial Regex SubtractFrom();

    // "half of 90", "a third of 27", "one quarter of 8": the operand first, so the answer's restated number is an operand.
    [GeneratedRegex(@"\b(?:a\s+|one\s+|1\s+)?(?<f>half|third|quarter|fourth|fifth|tenth)\s+of\s+(?<n>\d[\d.]*)", RegexOptions.CultureInvariant)]
    private static partial Regex FractionOf();

    [GeneratedRegex(@"\b(?:twice|double)\s+(?=\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Twice();

    [GeneratedRegex(@"(\d)\s*(?:%|percent|per cent)\s*of\b", RegexOptions.CultureInvariant)]
    private static partial Regex Percent();

    [GeneratedRegex(@"\b(?:the\s+)?square\s+root\s+of\b", RegexOptions.CultureInvariant)]
    private static partial Regex SquareRoot();

    [GeneratedRegex(@"\b(?:to\s+the\s+power\s+of|raised\s+to(?:\s+the\s+power\s+of)?)\b|\*\*", RegexOptions.CultureInvariant)]
    private static partial Regex Power();

    [GeneratedRegex(@"\s*\bsquared\b", RegexOptions.CultureInvariant)]
    private static partial Regex Squared();

    [GeneratedRegex(@"\s*\bcubed\b", RegexOptions.CultureInvariant)]
    private static partial Regex Cubed();

    [GeneratedRegex(@"\b(?:multiplied\s+by|times)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Times();

    [GeneratedRegex(@"\b(?:divided\s+by|over)\b", RegexOptions.CultureInvariant)]
    private static partial Regex DividedBy();

    [GeneratedRegex(@"\b(?:the\s+)?(?<op>sum|total|product|difference|quotient|add|multiply|divide)\s+(?:of\s+|between\s+)?(?<a>-?[\d.]+)\s+(?:and|by|with)\s+(?<b>-?[\d.]+)", RegexOptions.CultureInvariant)]
    private static partial Regex BinaryWords();

    [GeneratedRegex(@"\b(?:plus|added\s+to)\b(?=\s*[\d(])", RegexOptions.CultureInvariant)]
    private static partial Regex Plus();

    [GeneratedRegex(@"\b(?:minus|take\s+away|less)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Minus();

    [GeneratedRegex(@"([\d)])\s*x\s*(?=[\d(])", RegexOptions.CultureInvariant)]
    private static partial Regex LetterX();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();

    [GeneratedRegex(@"(?:\bis|\bare|\bequals|\bmakes|\bgives|\bget|\bcomes\s+to|=|:)\s*(?:about\s+|exactly\s+|roughly\s+|just\s+)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex StatingVerb();

    [GeneratedRegex(@"(?<lhs>(?<![\w.])\d[\d,.]*(?:\s+[A-Za-z]+)?(?:\s*(?:[+\-−–×*÷/]|\bx\b)\s*\d[\d,.]*(?:\s+[A-Za-z]+)?)+)\s*=\s*(?<result>\d[\d,]*(?:\.\d+)?)", RegexOptions.CultureInvariant)]
    private static partial Regex WrittenSum();

    [GeneratedRegex(@"(\d)\s+[A-Za-z]+(?![A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex WordAfterNumber();
}
