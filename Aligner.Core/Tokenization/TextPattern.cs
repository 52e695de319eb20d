using System.Globalization;
using System.Text.RegularExpressions;

namespace Aligner.Tokenization;

/// <summary>
/// The <c>pattern</c> of a Split pre-tokenizer or Replace step: a literal string or a regular expression.
/// Regular expressions see one character per Unicode code point (as Hugging Face's Oniguruma does), so
/// <c>\p{L}</c> matches letters outside the Basic Multilingual Plane too.
/// </summary>
internal sealed class TextPattern
{
    private readonly Regex _regex;

    private TextPattern(Regex regex, string source, bool isRegex)
    {
        _regex = regex;
        Source = source;
        IsRegex = isRegex;
    }

    public string Source { get; }

    public bool IsRegex { get; }

    public static TextPattern Literal(string text) =>
        new(new Regex(Regex.Escape(text), RegexOptions.CultureInvariant), text, false);

    /// <summary>A regular expression in Hugging Face's (Oniguruma) syntax; possessive quantifiers become atomic groups.</summary>
    /// <exception cref="ArgumentException">The expression is not valid for .NET.</exception>
    public static TextPattern FromRegex(string expression) =>
        new(new Regex(PossessiveToAtomic(expression), RegexOptions.CultureInvariant | RegexOptions.Compiled), expression, true);

    /// <summary>Rewrites Oniguruma's possessive quantifiers (<c>X*+</c>, <c>X++</c>, <c>X?+</c>, <c>X{n,m}+</c>), which .NET lacks, as <c>(?&gt;X*)</c>.</summary>
    internal static string PossessiveToAtomic(string pattern)
    {
        if (!pattern.Contains("++") && !pattern.Contains("*+") && !pattern.Contains("?+") && !pattern.Contains("}+")) return pattern;
        var sb = new System.Text.StringBuilder(pattern.Length + 8);
        var groups = new Stack<int>();
        int atom = -1;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '\\':
                    atom = sb.Length;
                    sb.Append(c);
                    if (i + 1 < pattern.Length)
                    {
                        char next = pattern[++i];
                        sb.Append(next);
                        if (next is 'p' or 'P' or 'x' or 'k' or 'g' && i + 1 < pattern.Length && pattern[i + 1] == '{')
                        {
                            int close = pattern.IndexOf('}', i + 1);
                            if (close < 0) close = pattern.Length - 1;
                            sb.Append(pattern, i + 1, close - i);
                            i = close;
                        }
                    }
                    break;
                case '[':
                {
                    atom = sb.Length;
                    int j = i + 1;
                    if (j < pattern.Length && pattern[j] == '^') j++;
                    if (j < pattern.Length && pattern[j] == ']') j++;
                    for (int depth = 1; j < pattern.Length && depth > 0; j++)
                    {
                        if (pattern[j] == '\\') j++;
                        else if (pattern[j] == '[') depth++;
                        else if (pattern[j] == ']') depth--;
                    }
                    j = Math.Min(j, pattern.Length);
                    sb.Append(pattern, i, j - i);
                    i = j - 1;
                    break;
                }
                case '(':
                    groups.Push(sb.Length);
                    sb.Append(c);
                    atom = -1;
                    break;
                case ')':
                    sb.Append(c);
                    atom = groups.Count > 0 ? groups.Pop() : -1;
                    break;
                case '*' or '+' or '?' or '{':
                {
                    int end = i;
                    if (c == '{')
                    {
                        int close = pattern.IndexOf('}', i);
                        if (close < 0 || atom < 0) { atom = sb.Length; sb.Append(c); break; }
                        end = close;
                    }
                    sb.Append(pattern, i, end - i + 1);
                    i = end;
                    if (atom >= 0 && i + 1 < pattern.Length && pattern[i + 1] == '+')
                    {
                        sb.Insert(atom, "(?>").Append(')');
                        i++;
                    }
                    atom = -1;
                    break;
                }
                case '|':
                    sb.Append(c);
                    atom = -1;
                    break;
                default:
                    atom = sb.Length;
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>The spans [start, end) of all non-overlapping, non-empty matches, in order.</summary>
    public List<(int Start, int End)> FindMatches(string text)
    {
        var result = new List<(int, int)>();
        if (text.Length == 0) return result;
        if (!IsRegex || !HasSurrogates(text))
        {
            for (var m = _regex.Match(text); m.Success; m = m.NextMatch())
                if (m.Length > 0) result.Add((m.Index, m.Index + m.Length));
            return result;
        }
        var (shadow, offsets) = CodePointShadow(text);
        for (var m = _regex.Match(shadow); m.Success; m = m.NextMatch())
            if (m.Length > 0) result.Add((offsets[m.Index], offsets[m.Index + m.Length]));
        return result;
    }

    /// <summary>Replaces every match with <paramref name="replacement"/> (taken literally).</summary>
    public string Replace(string text, string replacement)
    {
        if (!IsRegex) return text.Replace(Source, replacement, StringComparison.Ordinal);
        var matches = FindMatches(text);
        if (matches.Count == 0) return text;
        var sb = new System.Text.StringBuilder(text.Length);
        int last = 0;
        foreach (var (s, e) in matches)
        {
            sb.Append(text, last, s - last).Append(replacement);
            last = e;
        }
        return sb.Append(text, last, text.Length - last).ToString();
    }

    private static bool HasSurrogates(string text)
    {
        foreach (var c in text) if (char.IsSurrogate(c)) return true;
        return false;
    }

    /// <summary>
    /// A string with one character per code point: characters outside the BMP are replaced by a BMP character of the
    /// same Unicode category. <c>offsets[i]</c> is the index in <paramref name="text"/> of shadow character i.
    /// </summary>
    private static (string Shadow, int[] Offsets) CodePointShadow(string text)
    {
        var shadow = new System.Text.StringBuilder(text.Length);
        var offsets = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length; i++)
        {
            offsets.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]));
                shadow.Append(RepresentativeOf(category));
                i++;
            }
            else shadow.Append(text[i]);
        }
        offsets.Add(text.Length);
        return (shadow.ToString(), offsets.ToArray());
    }

    private static char RepresentativeOf(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => 'A',
        UnicodeCategory.LowercaseLetter => 'a',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '0',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00A7',
        UnicodeCategory.MathSymbol => '\u00B1',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u00A9',
        _ => '\u0378',
    };
}
