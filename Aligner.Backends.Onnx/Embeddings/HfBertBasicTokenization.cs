using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Aligner.Backends.Onnx;

/// <summary>
/// Hugging Face's <c>BertNormalizer</c> for an uncased vocabulary (what sentence-transformers runs through the fast
/// tokenizer): drop NUL, U+FFFD and control/format characters, turn white space into spaces, put spaces around CJK
/// ideographs, strip accents (NFD, then drop non-spacing marks) and lower-case.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own BERT normalizer drops tabs and newlines (they are control characters to .NET), which
/// glues the words on either side together; this one keeps them as separators, as Hugging Face does.
/// </remarks>
internal sealed class HfBertNormalizer : Normalizer
{
    public static HfBertNormalizer Instance { get; } = new();

    public override string Normalize(string original) => Normalize(original.AsSpan());

    public override string Normalize(ReadOnlySpan<char> original)
    {
        if (original.IsEmpty) return string.Empty;
        var cleaned = new StringBuilder(original.Length + 8);
        foreach (var rune in original.EnumerateRunes())
        {
            if (rune.Value is 0 or 0xFFFD || IsControl(rune)) continue;
            if (IsWhiteSpace(rune)) cleaned.Append(' ');
            else if (IsCjk(rune.Value)) cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            else cleaned.Append(rune.ToString());
        }
        string decomposed = cleaned.ToString().Normalize(NormalizationForm.FormD);
        var result = new StringBuilder(decomposed.Length);
        foreach (var rune in decomposed.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark) continue;
            result.Append(Rune.ToLowerInvariant(rune).ToString());
        }
        return result.ToString();
    }

    /// <summary>White space as Hugging Face's tokenizers see it: tab, newline, carriage return and the Unicode White_Space set.</summary>
    public static bool IsWhiteSpace(Rune rune) => rune.Value is '\t' or '\n' or '\r' || Rune.IsWhiteSpace(rune);

    /// <summary>Control as Hugging Face's tokenizers see it: the "other" categories (Cc, Cf, Cs, Co, Cn) except tab, newline and carriage return.</summary>
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    private static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}

/// <summary>
/// Hugging Face's <c>BertPreTokenizer</c>: split on white space (removed) and isolate every punctuation character
/// (ASCII punctuation, which includes symbols such as <c>$ + &lt; = &gt; ^ ` | ~</c>, and the Unicode P* categories).
/// Other symbols (currency signs, emoji) stay inside their word, as in Hugging Face.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own BERT pre-tokenizer keeps only word characters and P* punctuation, so it silently
/// drops <c>$</c>, <c>+</c>, <c>=</c>, emoji and the like, and keeps <c>_</c> inside words.
/// </remarks>
internal sealed class HfBertPreTokenizer : PreTokenizer
{
    public static HfBertPreTokenizer Instance { get; } = new();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        string.IsNullOrEmpty(text) ? [] : Split(text.AsSpan());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) =>
        text.IsEmpty ? [] : Split(text);

    private static List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
    {
        var splits = new List<(int Offset, int Length)>();
        int start = -1, i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out int width);
            if (HfBertNormalizer.IsWhiteSpace(rune) || IsPunctuation(rune))
            {
                if (start >= 0) splits.Add((start, i - start));
                start = -1;
                if (!HfBertNormalizer.IsWhiteSpace(rune)) splits.Add((i, width));
            }
            else if (start < 0)
            {
                start = i;
            }
            i += width;
        }
        if (start >= 0) splits.Add((start, text.Length - start));
        return splits;
    }

    private static bool IsPunctuation(Rune rune)
    {
        int c = rune.Value;
        if (c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }
}
