using System.Text.RegularExpressions;

namespace Aligner.Knowledge;

/// <summary>
/// Recognises questions that ask what something is: "What is inflation?", "Can you explain what a mortgage is?",
/// "Who was Cleopatra?", "What does 'photosynthesis' mean?", "Define entropy.", "What's the difference between weather
/// and climate?", "How does a mortgage work?". How-to, why and yes/no questions are not definitional and are not matched.
/// </summary>
public static partial class DefinitionQuestion
{
    /// <summary>A parsed definitional question: the terms asked about, as written, and whether it asks about the past ("who was").</summary>
    public sealed record Parsed(IReadOnlyList<string> Terms, bool Past);

    /// <summary>The terms <paramref name="question"/> asks to define, or <see langword="null"/> when it is not such a question.</summary>
    public static Parsed? TryParse(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var q = Normalize(question);
        if (q.Length == 0 || q.Length > 200) return null;
        if (Difference().Match(q) is { Success: true } d)
            return Terms([d.Groups["a"].Value, d.Groups["b"].Value], past: false);
        foreach (var pattern in new[] { WhatIs(), ExplainWhat(), WhatDoesMean(), Define(), TellMeAbout(), HowDoesWork() })
        {
            var m = pattern.Match(q);
            if (!m.Success) continue;
            bool past = m.Groups["verb"].Value is "was" or "were";
            if (Terms([m.Groups["term"].Value], past) is { } parsed) return parsed;
        }
        return null;
    }

    private static Parsed? Terms(string[] raw, bool past)
    {
        var terms = new List<string>();
        foreach (var t in raw)
        {
            var term = t.Trim().Trim('"', '\'', '“', '”', '‘', '’', ' ');
            if (term.Length == 0 || term.Length > 60 || term.Split(' ').Length > 5 || Personal().IsMatch(term)) return null;
            terms.Add(term);
        }
        return new Parsed(terms, past);
    }

    // Lower-case-insensitive matching on the question without its politeness wrapper and end punctuation.
    private static string Normalize(string question)
    {
        var q = Whitespace().Replace(question.Trim(), " ");
        q = Politeness().Replace(q, "");
        return q.TrimEnd('?', '.', '!', ' ');
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^(?:(?:hi|hello|hey|ok|okay|so|quick question|question|please|sorry)[,:!.]?\s+)+", RegexOptions.IgnoreCase)]
    private static partial Regex Politeness();

    [GeneratedRegex(@"^(?:what(?:'s| is| are)|what exactly is) the difference between (?<a>.+?) and (?<b>.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex Difference();

    [GeneratedRegex(@"^(?:what|who)(?:'s|\s+(?<verb>is|are|was|were))\s+(?<term>(?!the (?:best|difference|capital|time|point|meaning of life)\b)[^,;:]+?)(?:\s+exactly)?$", RegexOptions.IgnoreCase)]
    private static partial Regex WhatIs();

    [GeneratedRegex(@"^(?:can|could|would) you (?:please )?(?:explain|tell me) (?:to me )?(?:what|who) (?<term>[^,;:]+?) (?<verb>is|are|was|were)$", RegexOptions.IgnoreCase)]
    private static partial Regex ExplainWhat();

    [GeneratedRegex(@"^what does (?:the (?:word|term) )?(?<term>.+?) mean$", RegexOptions.IgnoreCase)]
    private static partial Regex WhatDoesMean();

    [GeneratedRegex(@"^(?:(?:can|could) you (?:please )?)?(?:define|explain) (?:the (?:word|term) )?(?<term>[^,;:]+?)(?: for me| to me)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Define();

    [GeneratedRegex(@"^(?:(?:can|could) you )?tell me (?:about|who) (?<term>[^,;:]+?)(?: (?<verb>is|was))?$", RegexOptions.IgnoreCase)]
    private static partial Regex TellMeAbout();

    // "How does a mortgage work?": what the thing is answers most of it.
    [GeneratedRegex(@"^(?:(?:can|could) you explain )?how (?:(?:does|do) )?(?<term>[^,;:]+?) (?:work|works)$", RegexOptions.IgnoreCase)]
    private static partial Regex HowDoesWork();

    // Questions about the asker's own things ("what is my IP", "who are you") are not definitions.
    [GeneratedRegex(@"\b(?:i|me|my|mine|you|your|yours|we|our|us|this|that|it|there|here|how|why|when|where|which)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Personal();
}
