using System.Globalization;
using System.Text.RegularExpressions;

namespace Aligner.Facts;

/// <summary>A number as written in a text: where it stands, its value and how precisely it was written.</summary>
/// <param name="Start">Index of its first character.</param>
/// <param name="Length">Its length in characters.</param>
/// <param name="Value">Its value.</param>
/// <param name="Decimals">Digits written after the decimal point (0 for words and integers).</param>
/// <param name="IsWord">Written in words ("fifty-six").</param>
/// <param name="Grouped">Written with thousands separators ("1,000").</param>
internal readonly record struct NumberMention(int Start, int Length, double Value, int Decimals, bool IsWord, bool Grouped)
{
    public int End => Start + Length;
}

/// <summary>Finds, compares and writes numbers in English text (digits, thousands separators, number words).</summary>
internal static partial class NumberText
{
    private static readonly Dictionary<string, int> Units = new(StringComparer.OrdinalIgnoreCase)
    {
        ["zero"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7,
        ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13, ["fourteen"] = 14,
        ["fifteen"] = 15, ["sixteen"] = 16, ["seventeen"] = 17, ["eighteen"] = 18, ["nineteen"] = 19,
    };

    private static readonly Dictionary<string, int> Tens = new(StringComparer.OrdinalIgnoreCase)
    {
        ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40, ["fifty"] = 50, ["sixty"] = 60, ["seventy"] = 70, ["eighty"] = 80, ["ninety"] = 90,
    };

    private static readonly Dictionary<string, long> Scales = new(StringComparer.OrdinalIgnoreCase)
    {
        ["hundred"] = 100, ["thousand"] = 1_000, ["million"] = 1_000_000, ["billion"] = 1_000_000_000,
    };

    // 1,234,567.89 | 1234.5 | .5 ; not part of a word or of a longer number, not a version/date fragment like 1.2.3.
    [GeneratedRegex(@"(?<![\w.,\-−])[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?![\w]|[.,]\d)", RegexOptions.CultureInvariant)]
    private static partial Regex DigitsPattern();

    [GeneratedRegex(@"[A-Za-z]+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();

    /// <summary>All numbers in <paramref name="text"/>, in order: digits, and number words ("sixty", "one hundred and twenty").</summary>
    /// <param name="text">The text.</param>
    /// <param name="words">Whether to read number words too.</param>
    public static List<NumberMention> Find(string text, bool words = true)
    {
        var found = new List<NumberMention>();
        foreach (Match m in DigitsPattern().Matches(text))
        {
            var s = m.Value;
            bool grouped = s.Contains(',');
            var plain = s.Replace(",", "").Replace('−', '-');
            int dot = plain.IndexOf('.');
            int decimals = dot < 0 ? 0 : plain.Length - dot - 1;
            if (double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                found.Add(new NumberMention(m.Index, m.Length, v, decimals, false, grouped));
        }
        if (words) found.AddRange(FindWords(text));
        found.Sort((a, b) => a.Start.CompareTo(b.Start));
        return found;
    }

    /// <summary>Number words: maximal runs like "fifty-six", "one hundred and twenty", "two thousand".</summary>
    private static IEnumerable<NumberMention> FindWords(string text)
    {
        var tokens = WordPattern().Matches(text).Select(m => (m.Index, m.Value)).ToList();
        int i = 0;
        while (i < tokens.Count)
        {
            if (!IsNumberWord(tokens[i].Value)) { i++; continue; }
            long total = 0, current = 0;
            int start = tokens[i].Index, end = start, j = i;
            bool any = false;
            char last = ' '; // u: unit word, t: tens word, h: hundred, s: thousand and above
            while (j < tokens.Count)
            {
                var (index, word) = tokens[j];
                // Only hyphens, spaces and "and" may join the words of one number.
                if (any && !OnlyJoiners(text, end, index)) break;
                if (Units.TryGetValue(word, out var u))
                {
                    if (last == 'u' || (last == 't' && u >= 10)) break;
                    current += u; last = 'u';
                }
                else if (Tens.TryGetValue(word, out var t))
                {
                    if (last is 'u' or 't') break;
                    current += t; last = 't';
                }
                else if (any && Scales.TryGetValue(word, out var scale))
                {
                    if (scale == 100) { if (last is 'h' or 's' && current == 0) break; current = Math.Max(current, 1) * 100; last = 'h'; }
                    else { total += Math.Max(current, 1) * scale; current = 0; last = 's'; }
                }
                else if (any && last is 'h' or 's' && word.Equals("and", StringComparison.OrdinalIgnoreCase) && j + 1 < tokens.Count && IsNumberWord(tokens[j + 1].Value)) { end = index + word.Length; j++; continue; }
                else break;
                any = true;
                end = index + word.Length;
                j++;
            }
            if (any)
            {
                // "one" alone is usually the pronoun or article ("one of them", "one mile"): callers treat it as 1 only where a quantity is expected.
                yield return new NumberMention(start, end - start, total + current, 0, true, false);
                i = Math.Max(j, i + 1);
            }
            else i++;
        }
    }

    private static bool IsNumberWord(string w) => Units.ContainsKey(w) || Tens.ContainsKey(w);

    private static bool OnlyJoiners(string text, int from, int to)
    {
        for (int k = from; k < to; k++)
            if (text[k] is not (' ' or '-')) return false;
        return to > from;
    }

    /// <summary>
    /// Whether a number written with <paramref name="decimals"/> digits after the point states <paramref name="truth"/>:
    /// it equals the truth rounded to that precision, or is within <paramref name="relativeTolerance"/> of it.
    /// </summary>
    public static bool Agrees(double claim, int decimals, double truth, double relativeTolerance = 0)
    {
        double halfUnit = 0.5 * Math.Pow(10, -decimals);
        double diff = Math.Abs(claim - truth);
        if (diff <= halfUnit * (1 + 1e-9) + 1e-9 * Math.Abs(truth)) return true;
        return relativeTolerance > 0 && diff <= relativeTolerance * Math.Abs(truth);
    }

    /// <summary>
    /// Writes <paramref name="value"/> the way a wrong claim was written: integers as integers (with thousands separators
    /// from 1,000 on, unless <paramref name="grouped"/> is false), other values with the claim's decimals but at least two significant
    /// digits and at most six decimals, trailing zeros dropped.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="claimDecimals">Digits after the point in the wrong claim.</param>
    /// <param name="grouped">Whether to write thousands separators (see <see cref="PrefersGrouping"/>).</param>
    /// <param name="minDecimals">Fewest digits after the point for a value that is not an integer.</param>
    public static string Format(double value, int claimDecimals, bool grouped, int minDecimals = 0)
    {
        double rounded = Math.Round(value);
        if (Math.Abs(value - rounded) <= 1e-9 * Math.Max(1, Math.Abs(value)))
            return grouped && Math.Abs(rounded) >= 1_000 ? rounded.ToString("#,0", CultureInfo.InvariantCulture) : rounded.ToString("0", CultureInfo.InvariantCulture);
        int decimals = Math.Max(claimDecimals, minDecimals);
        while (decimals < 6 && SignificantDigits(Math.Round(value, decimals), decimals) < 2) decimals++;
        var text = Math.Round(value, decimals).ToString((grouped ? "#,0." : "0.") + new string('#', decimals), CultureInfo.InvariantCulture);
        return text;
    }

    /// <summary>
    /// Writes <paramref name="value"/> as the wrong claim in <paramref name="text"/> was written: in words when the claim
    /// was a number word and the value a whole number up to a hundred ("fifty" → "fifty-five", "Six" → "Eight"),
    /// otherwise as <see cref="Format"/> does.
    /// </summary>
    public static string FormatLike(double value, NumberMention claim, string text, int minDecimals = 0)
    {
        double rounded = Math.Round(value);
        if (claim.IsWord && rounded == value && rounded >= 0 && rounded <= 100)
        {
            var words = Words((int)rounded);
            return char.IsUpper(text[claim.Start]) ? char.ToUpperInvariant(words[0]) + words[1..] : words;
        }
        return Format(value, claim.Decimals, PrefersGrouping(text, claim), minDecimals);
    }

    /// <summary>0–100 in words: "seven", "fifty-five", "one hundred".</summary>
    public static string Words(int n)
    {
        if (n == 100) return "one hundred";
        if (n < 20) return Units.First(u => u.Value == n).Key;
        var tens = Tens.First(t => t.Value == n / 10 * 10).Key;
        return n % 10 == 0 ? tens : tens + "-" + Units.First(u => u.Value == n % 10).Key;
    }

    /// <summary>
    /// Whether a number written into <paramref name="text"/> should have thousands separators: yes, unless the text
    /// already writes a number of four or more digits without them (other than a year-like 1000–2999 integer).
    /// </summary>
    public static bool PrefersGrouping(string text, NumberMention claim) =>
        claim.Grouped || !Find(text, words: false).Any(n => !n.Grouped && n.Decimals == 0 && n.Value >= 1000 && text.Substring(n.Start, n.Length).Length >= 4 && !(n.Value < 3000 && n.Length == 4 && n.Start != claim.Start));

    private static int SignificantDigits(double v, int decimals)
    {
        var digits = Math.Abs(v).ToString("F" + decimals, CultureInfo.InvariantCulture).Replace(".", "").TrimStart('0');
        return digits.Length;
    }

    /// <summary>The text with [start, start+length) replaced.</summary>
    public static string Replace(string text, int start, int length, string replacement) =>
        string.Concat(text.AsSpan(0, start), replacement, text.AsSpan(start + length));
}
