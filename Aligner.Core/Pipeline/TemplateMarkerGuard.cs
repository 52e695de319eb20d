using System.Text;
using System.Text.RegularExpressions;

namespace Aligner;

/// <summary>
/// Keeps untrusted text from faking the structure of a correction prompt, and cleans the corrector's output.
/// <para>
/// Neutralisation: every occurrence, in the question, answer or instruction, of a marker of the prompt's structure
/// (<c>BEGINNING OF CONVERSATION:</c>, <c>USER:</c>, <c>ASSISTANT:</c>, <c>##Question:</c>, <c>##Answer:</c>,
/// <c>##Correction:</c>, the template's own markers such as <c>Edit:</c>, and special-token look-alikes such as
/// <c>&lt;/s&gt;</c> or <c>&lt;|im_end|&gt;</c>) gets a WORD JOINER (U+2060, invisible) after its first character.
/// The marker then tokenizes differently from the template's own marker, so the corrector cannot mistake it for
/// the end of the prompt, and a server that parses special tokens in text sees none.
/// </para>
/// <para>
/// Cleaning the output (<see cref="Clean"/>): leading whitespace and any echo of the markers that end the prompt
/// (<c>ASSISTANT:</c>, and for v2 <c>##Correction:</c>) are removed; the text is cut where the corrector starts a new
/// turn on its own (a raw <c>BEGINNING OF CONVERSATION:</c>, <c>USER:</c>, <c>ASSISTANT:</c>, <c>&lt;|im_start|&gt;</c>
/// or <c>&lt;|im_end|&gt;</c>); neutralised markers it copied from the answer are restored to their original text
/// (so no joiner leaks into the result); surrounding whitespace is trimmed.
/// </para>
/// </summary>
public sealed partial class TemplateMarkerGuard
{
    /// <summary>The invisible character inserted into markers found in untrusted text.</summary>
    public const char Joiner = '\u2060';

    private static readonly string[] ConversationMarkers = ["BEGINNING OF CONVERSATION:", "USER:", "ASSISTANT:"];
    private static readonly string[] KnownMarkers = [.. ConversationMarkers, "##Question:", "##Answer:", "##Correction:"];
    private static readonly string[] TurnMarkers = [.. ConversationMarkers, "<|im_start|>", "<|im_end|>"];

    private readonly string[] _markers;
    private readonly string[] _echoMarkers;
    private readonly string[] _heldPrefixes;

    /// <summary>Creates the guard for a template.</summary>
    public TemplateMarkerGuard(CorrectionPromptTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var fromTemplate = template.LiteralSegments.SelectMany(t => TemplateMarkerPattern().Matches(t).Select(m => m.Value));
        _markers = [.. KnownMarkers.Concat(fromTemplate).Where(m => m.Length >= 2).Distinct(StringComparer.Ordinal).OrderByDescending(m => m.Length)];
        var lastLiteral = template.LiteralSegments.LastOrDefault() ?? "";
        _echoMarkers = [.. TemplateMarkerPattern().Matches(lastLiteral).Select(m => m.Value).Append("ASSISTANT:").Distinct(StringComparer.Ordinal)];
        _heldPrefixes = [.. TurnMarkers, .. _markers.Select(Neutralised), .. _echoMarkers, "<"];
    }

    /// <summary>Inserts <see cref="Joiner"/> into every structural marker and special-token look-alike in <paramref name="untrusted"/>.</summary>
    public string Neutralize(string untrusted)
    {
        ArgumentNullException.ThrowIfNull(untrusted);
        var text = untrusted;
        foreach (var marker in _markers)
            if (text.Contains(marker, StringComparison.Ordinal)) text = text.Replace(marker, Neutralised(marker), StringComparison.Ordinal);
        return SpecialTokenPattern().Replace(text, m => Neutralised(m.Value));
    }

    /// <summary>Turns the corrector's raw output into the corrected answer (see the class remarks).</summary>
    public string Clean(string raw) => CleanCore(raw).Trim();

    /// <summary>
    /// The part of the cleaned text that is already certain while <paramref name="rawSoFar"/> is still growing:
    /// held back are a possible echo at the start, trailing whitespace, and a tail that may become a marker.
    /// </summary>
    public string StreamablePrefix(string rawSoFar)
    {
        ArgumentNullException.ThrowIfNull(rawSoFar);
        var start = rawSoFar.TrimStart();
        foreach (var echo in _echoMarkers)
            if (echo.StartsWith(start, StringComparison.Ordinal)) return "";
        int hold = 0;
        foreach (var prefix in _heldPrefixes)
            for (int len = Math.Min(prefix.Length, rawSoFar.Length); len > hold; len--)
                if (string.CompareOrdinal(rawSoFar, rawSoFar.Length - len, prefix, 0, len) == 0) { hold = len; break; }
        var text = CleanCore(rawSoFar[..^hold]);
        if (text.Length > 0 && char.IsHighSurrogate(text[^1])) text = text[..^1];
        return text.Trim();
    }

    private string CleanCore(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var text = raw.TrimStart();
        bool stripped = true;
        while (stripped)
        {
            stripped = false;
            foreach (var echo in _echoMarkers)
                if (text.StartsWith(echo, StringComparison.Ordinal)) { text = text[echo.Length..].TrimStart(); stripped = true; }
        }
        int cut = text.Length;
        foreach (var marker in TurnMarkers)
        {
            int i = text.IndexOf(marker, StringComparison.Ordinal);
            if (i >= 0 && i < cut) cut = i;
        }
        text = text[..cut];
        if (text.Contains(Joiner))
        {
            // Undo in the reverse order of Neutralize: a shorter marker may sit inside a longer, already neutralised one.
            for (int i = _markers.Length - 1; i >= 0; i--) text = text.Replace(Neutralised(_markers[i]), _markers[i], StringComparison.Ordinal);
            text = NeutralisedSpecialTokenPattern().Replace(text, m => m.Value.Replace(Joiner.ToString(), "", StringComparison.Ordinal));
        }
        return text;
    }

    private static string Neutralised(string marker) => new StringBuilder(marker.Length + 1).Append(marker[0]).Append(Joiner).Append(marker, 1, marker.Length - 1).ToString();

    // Marker-like runs in template text: "##Question:", "BEGINNING OF CONVERSATION:", "Edit:", "<|im_start|>".
    [GeneratedRegex(@"(?:##)?[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*:|<\|[A-Za-z0-9_]+\|>")]
    private static partial Regex TemplateMarkerPattern();

    // Special-token look-alikes: <s>, </s>, <unk>, <pad>, <|anything|>, <start_of_turn>, <eos>.
    [GeneratedRegex(@"</?(?:s|unk|pad|eos|bos|start_of_turn|end_of_turn)>|<\|[A-Za-z0-9_]+\|>")]
    private static partial Regex SpecialTokenPattern();

    [GeneratedRegex(@"<\u2060/?(?:s|unk|pad|eos|bos|start_of_turn|end_of_turn)>|<\u2060\|[A-Za-z0-9_]+\|>")]
    private static partial Regex NeutralisedSpecialTokenPattern();
}
