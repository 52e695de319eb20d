using System.Text;

namespace Aligner.Tokenization.Normalizers;

/// <summary>
/// SentencePiece's <c>remove_extra_whitespaces</c>: spaces are trimmed at both ends and runs of them become one space.
/// Other whitespace (tabs, newlines) is kept.
/// </summary>
internal sealed class CollapseSpacesNormalizer : ITextNormalizer
{
    public string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (var c in text)
        {
            if (c == ' ') { pendingSpace = sb.Length > 0; continue; }
            if (pendingSpace) sb.Append(' ');
            pendingSpace = false;
            sb.Append(c);
        }
        return sb.ToString();
    }
}
