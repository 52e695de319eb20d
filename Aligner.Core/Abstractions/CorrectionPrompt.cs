using System.Text;

namespace Aligner;

/// <summary>
/// One piece of a rendered prompt. <see cref="Trusted"/> text comes from the template and may contain the
/// tokenizer's special tokens (they are encoded as control tokens); untrusted text comes from users or upstream
/// models and is always encoded as plain text, even when it looks like <c>&lt;/s&gt;</c> or <c>&lt;|im_end|&gt;</c>.
/// </summary>
/// <param name="Text">The text of this piece.</param>
/// <param name="Trusted">Whether the text comes from the template rather than from user input.</param>
public readonly record struct PromptPart(string Text, bool Trusted);

/// <summary>A prompt rendered by a <see cref="CorrectionPromptTemplate"/>: its text, split into trusted and untrusted parts.</summary>
public sealed class CorrectionPrompt
{
    /// <summary>Creates a prompt from its parts.</summary>
    public CorrectionPrompt(IReadOnlyList<PromptPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        Parts = parts;
        var sb = new StringBuilder();
        foreach (var p in parts) sb.Append(p.Text);
        Text = sb.ToString();
    }

    /// <summary>A prompt made of one untrusted piece of text (special-token look-alikes stay plain text).</summary>
    public static CorrectionPrompt FromUntrustedText(string text) => new([new PromptPart(text, Trusted: false)]);

    /// <summary>A prompt made of one trusted piece of text (special tokens in it are parsed).</summary>
    public static CorrectionPrompt FromTrustedText(string text) => new([new PromptPart(text, Trusted: true)]);

    /// <summary>The parts, in order.</summary>
    public IReadOnlyList<PromptPart> Parts { get; }

    /// <summary>The full prompt text: the parts concatenated.</summary>
    public string Text { get; }

    /// <inheritdoc />
    public override string ToString() => Text;
}
