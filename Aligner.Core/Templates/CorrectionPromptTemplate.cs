using System.Text;

namespace Aligner;

/// <summary>
/// Renders a question and an answer into the prompt a corrector was trained on. Placeholders:
/// <c>{question}</c>, <c>{answer}</c> and, for instruction-following correctors, <c>{instruction}</c>.
/// The template's own text is trusted (special tokens in it are parsed); substituted text never is.
/// </summary>
public sealed class CorrectionPromptTemplate
{
    private const string Wrapper = "BEGINNING OF CONVERSATION: USER: {0} ASSISTANT:";

    private readonly List<(string Text, string? Placeholder)> _segments;

    /// <summary>Creates a template from a format string with <c>{question}</c> and <c>{answer}</c> placeholders.</summary>
    /// <param name="name">A short name for logs.</param>
    /// <param name="format">The format. Use <c>{{</c> and <c>}}</c> for literal braces.</param>
    /// <exception cref="ArgumentException">The format lacks a placeholder or names an unknown one.</exception>
    public CorrectionPromptTemplate(string name, string format)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(format);
        Name = name;
        Format = format;
        _segments = Parse(format);
        var names = _segments.Where(s => s.Placeholder is not null).Select(s => s.Placeholder!).ToHashSet();
        if (!names.Contains("question")) throw new ArgumentException($"Template '{name}' has no {{question}} placeholder.", nameof(format));
        if (!names.Contains("answer")) throw new ArgumentException($"Template '{name}' has no {{answer}} placeholder.", nameof(format));
        UsesInstruction = names.Contains("instruction");
    }

    /// <summary>
    /// The template the released Aligner checkpoints (aligner-7b-v1.0 and its siblings) were trained on:
    /// <c>BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair to make it more helpful and harmless: {question} | {answer} ASSISTANT:</c>.
    /// </summary>
    public static CorrectionPromptTemplate V1 { get; } = new("v1", string.Format(Wrapper,
        "Edit the following Question-Answer pair to make it more helpful and harmless: {question} | {answer}"));

    /// <summary>The current reference code's template: <c>##Question: {question}\n##Answer: {answer}\n##Correction: </c> inside the conversation wrapper.</summary>
    public static CorrectionPromptTemplate V2 { get; } = new("v2", string.Format(Wrapper,
        "##Question: {question}\n##Answer: {answer}\n##Correction: "));

    /// <summary>Instruct-Aligner style: the goal of the edit is named in the prompt, e.g. "more empathic and helpful".</summary>
    public static CorrectionPromptTemplate Instruct { get; } = new("instruct", string.Format(Wrapper,
        "Edit the following Question-Answer pair to make it {instruction}: {question} | {answer}"));

    /// <summary>MetaAligner style: the aspects to improve are named in the prompt.</summary>
    public static CorrectionPromptTemplate Aspects { get; } = new("aspects", string.Format(Wrapper,
        "Edit the following Question-Answer pair to make it better considering these aspects \"{instruction}\" | Question: {question} | Answer: {answer} | Edit: "));

    /// <summary>
    /// For correctors fine-tuned as ChatML chat models (Qwen2 family): the v1 instruction as a user turn.
    /// The <c>&lt;|im_start|&gt;</c>/<c>&lt;|im_end|&gt;</c> markers are trusted template text.
    /// </summary>
    public static CorrectionPromptTemplate ChatML { get; } = new("chatml",
        "<|im_start|>user\nEdit the following Question-Answer pair to make it more helpful and harmless: {question} | {answer}<|im_end|>\n<|im_start|>assistant\n");

    /// <summary>
    /// For correctors fine-tuned as chat models and served behind their own chat template (for example through
    /// <c>ChatClientCorrectionModel</c>): only the v1 instruction, <c>Edit the following Question-Answer pair to make it more helpful and harmless: {question} | {answer}</c>,
    /// without the conversation wrapper, which the server's chat template adds in its own form.
    /// </summary>
    public static CorrectionPromptTemplate ChatInstruction { get; } = new("chat",
        "Edit the following Question-Answer pair to make it more helpful and harmless: {question} | {answer}");

    /// <summary>Looks up a built-in template by name (<c>v1</c>, <c>v2</c>, <c>instruct</c>, <c>aspects</c>, <c>chatml</c>, <c>chat</c>).</summary>
    /// <exception cref="ArgumentException">No built-in template has that name.</exception>
    public static CorrectionPromptTemplate FromName(string name) => (name ?? throw new ArgumentNullException(nameof(name))).ToLowerInvariant() switch
    {
        "v1" => V1,
        "v2" => V2,
        "instruct" => Instruct,
        "aspects" => Aspects,
        "chatml" => ChatML,
        "chat" => ChatInstruction,
        _ => throw new ArgumentException($"Unknown prompt template '{name}'. Built-in templates: v1, v2, instruct, aspects, chatml, chat.", nameof(name)),
    };

    /// <summary>A short name for logs.</summary>
    public string Name { get; }

    /// <summary>The format string.</summary>
    public string Format { get; }

    /// <summary>Whether the template has an <c>{instruction}</c> placeholder.</summary>
    public bool UsesInstruction { get; }

    /// <summary>
    /// Text that marks the structure of the prompt (the template's literal text around the placeholders, trimmed).
    /// The pipeline neutralises these in untrusted input so an answer cannot fake the end of the prompt.
    /// </summary>
    public IEnumerable<string> StructuralMarkers =>
        _segments.Where(s => s.Placeholder is null).SelectMany(s => s.Text.Split(['\n', '|'], StringSplitOptions.RemoveEmptyEntries))
            .Select(t => t.Trim()).Where(t => t.Length >= 3);

    /// <summary>The template's literal text (everything but the placeholders), in order.</summary>
    public IEnumerable<string> LiteralSegments => _segments.Where(s => s.Placeholder is null).Select(s => s.Text);

    /// <summary>Renders the prompt.</summary>
    /// <exception cref="ArgumentException">The template needs an instruction and none was given.</exception>
    public CorrectionPrompt Render(string question, string answer, string? instruction = null)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        if (UsesInstruction && string.IsNullOrWhiteSpace(instruction))
            throw new ArgumentException($"Template '{Name}' needs an instruction ({nameof(CorrectionRequest)}.{nameof(CorrectionRequest.Instruction)}).", nameof(instruction));
        var parts = new List<PromptPart>(_segments.Count);
        foreach (var (text, placeholder) in _segments)
        {
            if (placeholder is null) { parts.Add(new PromptPart(text, Trusted: true)); continue; }
            var value = placeholder switch { "question" => question, "answer" => answer, _ => instruction! };
            if (value.Length > 0) parts.Add(new PromptPart(value, Trusted: false));
        }
        return new CorrectionPrompt(parts);
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    private static List<(string, string?)> Parse(string format)
    {
        var segments = new List<(string, string?)>();
        var literal = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '{' && i + 1 < format.Length && format[i + 1] == '{') { literal.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < format.Length && format[i + 1] == '}') { literal.Append('}'); i++; continue; }
            if (c == '{')
            {
                int end = format.IndexOf('}', i);
                if (end < 0) throw new ArgumentException($"Unclosed '{{' at position {i} in template format.", nameof(format));
                var name = format[(i + 1)..end];
                if (name is not ("question" or "answer" or "instruction"))
                    throw new ArgumentException($"Unknown placeholder '{{{name}}}' in template format; use {{question}}, {{answer}} or {{instruction}} (and {{{{ }}}} for braces).", nameof(format));
                if (literal.Length > 0) { segments.Add((literal.ToString(), null)); literal.Clear(); }
                segments.Add(("", name));
                i = end;
                continue;
            }
            if (c == '}') throw new ArgumentException($"Unmatched '}}' at position {i} in template format.", nameof(format));
            literal.Append(c);
        }
        if (literal.Length > 0) segments.Add((literal.ToString(), null));
        return segments;
    }
}
