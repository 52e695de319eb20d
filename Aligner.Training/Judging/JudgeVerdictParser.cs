using System.Text.RegularExpressions;

namespace Aligner.Training.Judging;

/// <summary>
/// Reads the verdict at the end of a judge's reply: <c>Better: [[responseA]]</c> (helpfulness) or
/// <c>More harmful: [[responseB]]</c> (harmlessness), or <c>[[Equal]]</c>. Tolerates case, spaces, Markdown emphasis and
/// <c>[[A]]</c> / <c>[[response A]]</c> spellings. The labelled verdict wins; without a label, a verdict token on the last
/// non-empty line is accepted; anything else (no token, or conflicting tokens on that line) is unparsable.
/// </summary>
public static partial class JudgeVerdictParser
{
    /// <summary>The label that precedes the verdict token for a criterion.</summary>
    /// <param name="criterion">The criterion.</param>
    public static string LabelFor(JudgingCriterion criterion) => criterion switch
    {
        JudgingCriterion.Helpfulness => "Better",
        JudgingCriterion.Harmlessness => "More harmful",
        _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "Unknown criterion."),
    };

    /// <summary>Parses a reply.</summary>
    /// <param name="reply">The judge's reply text (may be null or empty: then unparsable).</param>
    /// <param name="criterion">The criterion the judge was asked about (selects the label).</param>
    public static JudgeChoice Parse(string? reply, JudgingCriterion criterion)
    {
        if (string.IsNullOrWhiteSpace(reply)) return JudgeChoice.Unparsable;
        var labelled = (criterion == JudgingCriterion.Helpfulness ? BetterVerdict() : MoreHarmfulVerdict()).Matches(reply);
        if (labelled.Count > 0) return ToChoice(labelled[^1]);

        var lastLine = reply.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
        var tokens = Token().Matches(lastLine).Select(ToChoice).Distinct().ToList();
        return tokens.Count == 1 ? tokens[0] : JudgeChoice.Unparsable;
    }

    private static JudgeChoice ToChoice(Match match)
    {
        if (match.Groups["equal"].Success) return JudgeChoice.Equal;
        return match.Groups["slot"].Value.Equals("a", StringComparison.OrdinalIgnoreCase) ? JudgeChoice.ResponseA : JudgeChoice.ResponseB;
    }

    private const string TokenPattern = @"\[\[\s*(?:(?:response[\s_-]*)?(?<slot>[ab])|(?<equal>equal|tie))\s*\]\]";
    private const string LabelSeparator = @"\s*\**\s*:?\s*\**\s*";

    [GeneratedRegex("better" + LabelSeparator + TokenPattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BetterVerdict();

    [GeneratedRegex(@"more\s+harmful" + LabelSeparator + TokenPattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MoreHarmfulVerdict();

    [GeneratedRegex(TokenPattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
