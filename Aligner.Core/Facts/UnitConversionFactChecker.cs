using System.Text.RegularExpressions;

namespace Aligner.Facts;

/// <summary>
/// Checks answers to unit conversion questions ("How many kilometres are in a mile?", "How many pounds is one kilogram?",
/// "What is 100 °F in Celsius?", "How many minutes are in 2.5 hours?") across length, mass, volume, time, speed, data and
/// temperature. The question must name exactly two units of one dimension, one asked for ("how many X", "… in X?") and
/// one given with its quantity. In the answer, the number written before the asked unit is the claim; an answer that
/// states a correct conversion in any direction is left alone, and so is one whose claim cannot be told apart.
/// Conventions that differ (US or imperial pints, 1000 or 1024 bytes, year lengths) are all accepted; a correction uses
/// the first (US, decimal, 365 days).
/// </summary>
public sealed partial class UnitConversionFactChecker : IFactChecker, Knowledge.IKnowledgeSource
{
    /// <inheritdoc />
    public string Id => "unit-conversion";

    /// <inheritdoc />
    public FactCheck? Check(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (!FactCheckers.IsCheckable(question, answer)) return null;
        if (ParseQuestion(question) is not { } asked) return null;
        var (source, quantity, target) = asked;
        double truth = source.ConvertTo(quantity, target);

        var pairs = Quantities(answer, target.Dimension);
        var targets = pairs.Where(p => p.Unit.Unit == target).ToList();
        var sources = pairs.Where(p => p.Unit.Unit == source).ToList();

        // Any correct statement of the conversion, in either direction, leaves the answer alone.
        foreach (var t in targets)
        {
            if (Agrees(t.Number, answer, source.AcceptedConversions(quantity, target))) return null;
            foreach (var s in sources)
                if (Agrees(t.Number, answer, source.AcceptedConversions(s.Number.Value, target))) return null;
        }

        NumberMention? claim = null;
        if (sources.Count > 0)
        {
            // The answer restates the given quantity: the claim is the asked unit's number nearest to it.
            var given = sources.Where(s => Math.Abs(s.Number.Value - quantity) < 1e-9).ToList();
            if (given.Count == 0 || targets.Count == 0) return null;
            var anchor = given[0];
            claim = targets.Where(t => !t.Implicit).OrderBy(t => Math.Abs(t.Number.Start - anchor.Number.Start)).Select(t => (NumberMention?)t.Number).FirstOrDefault();
        }
        else if (targets.Count > 0)
        {
            var explicitTargets = targets.Where(t => !t.Implicit).ToList();
            if (explicitTargets.Count == 0) return null;
            claim = explicitTargets[^1].Number;
        }
        else
        {
            // No unit in a short answer ("Sixty.", "It's about 1.6."): the one number that is not the given quantity. In a
            // longer text without the unit, a lone number ("Two of our men…") is about something else.
            var numbers = NumberText.Find(answer).Where(n => !(Math.Abs(n.Value - quantity) < 1e-9)).ToList();
            if (numbers.Count != 1 || pairs.Count > 0 || answer.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length > 12) return null;
            claim = numbers[0];
        }
        if (claim is not { } c) return null;
        if (Agrees(c, answer, source.AcceptedConversions(quantity, target))) return null;
        var expected = NumberText.FormatLike(truth, c, answer);
        return FactCheck.Replacing(Id, answer, c.Start, c.Length, expected, $"{NumberText.Format(quantity, 0, true)} {source.Id} = {expected} {target.Id}");
    }

    /// <inheritdoc />
    /// <remarks>For a conversion question: true when the answer holds any number (digits or words), false otherwise.</remarks>
    public bool? StatesAnswer(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (!FactCheckers.IsCheckable(question, answer) || ParseQuestion(question) is null) return null;
        return NumberText.Find(answer).Count > 0 || answer.Contains("dozen", StringComparison.OrdinalIgnoreCase) || answer.Contains("half", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// As a knowledge source (<see cref="AlignerOptions.KnowledgeSources"/>): the conversion a question asks for, in the
    /// question's own unit words ("How many cups are in a litre?" → "There are about 4.23 cups in a litre."; US, decimal
    /// and 365-day conventions), or null when the question is not a conversion.
    /// </summary>
    public Knowledge.KnowledgeAnswer? Answer(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (ParseQuestion(question) is not { } asked) return null;
        var (source, quantity, target) = asked;
        var mentions = MeasurementUnits.Find(question);
        var sourceMention = mentions.First(m => m.Unit == source);
        var targetMention = mentions.First(m => m.Unit == target);
        string sourceWords = question.Substring(sourceMention.Start, sourceMention.Length), targetWords = question.Substring(targetMention.Start, targetMention.Length);
        double truth = source.ConvertTo(quantity, target);
        var value = NumberText.Format(truth, 0, grouped: true);
        string about = value != NumberText.Format(truth, 6, grouped: true) ? "about " : "";
        // The given quantity as the question wrote it: a number, or the article that meant one.
        string? article = OneArticle().Match(question[..sourceMention.Start]) is { Success: true } a ? a.Value.Trim().ToLowerInvariant() : null;
        var given = QuantityBefore(question, sourceMention.Start) is { Number: { } n } ? question.Substring(n.Start, n.Length)
            : article is "a" or "an" or "one" or "1" ? article : "one";
        var text = source.Dimension == "temperature"
            ? $"{char.ToUpperInvariant(given[0])}{given[1..]} {sourceWords} is {about}{value} {targetWords}."
            : $"There {(value == "1" && about.Length == 0 ? "is" : "are")} {about}{value} {targetWords} in {given} {sourceWords}.";
        return new Knowledge.KnowledgeAnswer { SourceId = Id, Topic = $"{sourceWords} to {targetWords}", Text = text };
    }

    /// <summary>A number as close as it was written to any accepted value; hedged claims ("about") get 3 %.</summary>
    private static bool Agrees(NumberMention n, string text, IEnumerable<double> accepted)
    {
        double tolerance = Hedge().IsMatch(text[..n.Start]) ? 0.03 : 0.005;
        return accepted.Any(v => NumberText.Agrees(n.Value, n.Decimals, v, tolerance));
    }

    /// <summary>The given unit with its quantity, and the asked one.</summary>
    internal static (MeasurementUnit Source, double Quantity, MeasurementUnit Target)? ParseQuestion(string question)
    {
        var units = MeasurementUnits.Find(question);
        var distinct = units.Select(u => u.Unit).Distinct().ToList();
        if (distinct.Count != 2 || distinct[0].Dimension != distinct[1].Dimension) return null;
        // The asked unit: "how many X", else "… in X?" at the end of the question.
        var asked = units.Where(u => AskedBefore().IsMatch(question[..u.Start])).ToList();
        if (asked.Count == 0) asked = units.Where(u => IntoBefore().IsMatch(question[..u.Start]) && QuestionEnd().IsMatch(question[u.End..])).ToList();
        if (asked.Select(u => u.Unit).Distinct().Count() != 1) return null;
        UnitMention? target = asked[0];
        if (target is not { } t) return null;
        var source = units.Where(u => u.Unit != t.Unit).ToList();
        if (source.Count != 1) return null;
        if (QuantityBefore(question, source[0].Start) is not { } quantity) return null;
        return (source[0].Unit, quantity.Value, t.Unit);
    }

    /// <summary>The quantity written right before a unit: a number, or an article meaning one.</summary>
    private static (double Value, NumberMention? Number)? QuantityBefore(string text, int unitStart)
    {
        var before = text[..unitStart];
        var m = QualifierTail().Match(before);
        int end = m.Success ? m.Index : before.Length;
        var number = NumberText.Find(text[..end]).LastOrDefault();
        if (number.Length > 0 && string.IsNullOrWhiteSpace(text[number.End..end]) && !(number.IsWord && number.Value == 1 && PronounOne().IsMatch(text[number.End..])))
            return (number.Value, number);
        if (OneArticle().IsMatch(text[..end])) return (1, null);
        return null;
    }

    /// <summary>Each unit of the dimension in the answer with the quantity before it (implicit for "a mile").</summary>
    private static List<(NumberMention Number, UnitMention Unit, bool Implicit)> Quantities(string text, string dimension)
    {
        var list = new List<(NumberMention, UnitMention, bool)>();
        foreach (var u in MeasurementUnits.Find(text))
        {
            if (u.Unit.Dimension != dimension) continue;
            if (QuantityBefore(text, u.Start) is not { } q) continue;
            list.Add((q.Number ?? new NumberMention(u.Start, 0, q.Value, 0, true, false), u, q.Number is null));
        }
        return list;
    }

    [GeneratedRegex(@"\bhow\s+(?:many|much)\s+(?:[\p{L}.]+\s+)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AskedBefore();

    [GeneratedRegex(@"\b(?:in|into|to|as|in\s+terms\s+of)\s+(?:[\p{L}.]+\s+)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IntoBefore();

    [GeneratedRegex(@"^\s*(?:please|exactly|roughly|approximately)?\s*[?.!]*\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuestionEnd();

    // Words allowed between a quantity and its unit: "4 US cups", "2 imperial pints", "5 full days".
    [GeneratedRegex(@"\s+(?:US|U\.S\.|metric|imperial|UK|British|American|standard|full|whole|calendar|solar|normal|regular|common|fluid|liquid|dry|short|long|statute|nautical)\s+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QualifierTail();

    [GeneratedRegex(@"(?:^|[\s(])(?:a|an|one|per|each|every|1)\s+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OneArticle();

    [GeneratedRegex(@"^\s+of\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PronounOne();

    [GeneratedRegex(@"(?:about|approximately|approx\.?|roughly|around|nearly|almost|close\s+to|just\s+(?:over|under)|some|~|≈)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Hedge();
}
