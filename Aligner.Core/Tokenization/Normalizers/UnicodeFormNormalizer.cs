using System.Text;

namespace Aligner.Tokenization.Normalizers;

/// <summary>The NFC, NFD, NFKC and NFKD normalizers.</summary>
internal sealed class UnicodeFormNormalizer(NormalizationForm form) : ITextNormalizer
{
    public string Normalize(string text) => text.IsNormalized(form) ? text : text.Normalize(form);
}
