using System.Security.Cryptography;
using System.Text;

namespace Aligner.Training.WeakToStrong;

/// <summary>
/// One row to synthesize training data from: a question and, optionally, the upstream model's answer (without one,
/// <see cref="CorrectionSynthesizer"/> asks its upstream chat client for it).
/// </summary>
/// <param name="Question">The question.</param>
/// <param name="Answer">The upstream answer, or <see langword="null"/> to generate it.</param>
public sealed record SynthesisInput(string Question, string? Answer = null)
{
    /// <summary>
    /// An identifier unique within the data set; rows with the same key are processed once (also across resumed runs).
    /// <see langword="null"/> uses <see cref="DefaultKey"/>.
    /// </summary>
    public string? Key { get; init; }

    /// <summary>The key used for de-duplication: <see cref="Key"/>, or a hash of the question and answer.</summary>
    public string EffectiveKey => Key ?? DefaultKey(Question, Answer);

    /// <summary>
    /// The default key: the first 128 bits of SHA-256 over the question and answer, in hex. Rows without an answer hash
    /// the question alone, so a question is answered and corrected once.
    /// </summary>
    /// <param name="question">The question.</param>
    /// <param name="answer">The answer, or null.</param>
    public static string DefaultKey(string question, string? answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        var text = answer is null ? "q\u001f" + question : "qa\u001f" + question + "\u001f" + answer;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
    }
}
