using Aligner.Tokenization;
using Aligner.Training.Data;

namespace Aligner.Training;

/// <summary>
/// Turns correction rows into training sequences as the reference recipe does: the prompt template rendered with the
/// question and answer (encoded exactly as at inference, <see cref="ITextTokenizer.EncodePrompt"/>), then the
/// correction, then EOS. Rows that are too long follow an <see cref="OverlongRowPolicy"/>; the correction is never cut.
/// </summary>
public sealed class CorrectionSequenceEncoder
{
    private readonly ITextTokenizer _tokenizer;
    private readonly CorrectionPromptTemplate _template;
    private readonly Dictionary<string, string>? _instructions;
    private readonly int _eos;
    private readonly int? _keep;

    /// <summary>Creates an encoder.</summary>
    /// <param name="tokenizer">The checkpoint's tokenizer; it needs an EOS token.</param>
    /// <param name="template">The prompt template (the corrector must be used with the same one).</param>
    /// <param name="maxSequenceLength">Most tokens in one sequence.</param>
    /// <param name="policy">What to do with rows that do not fit.</param>
    /// <param name="correctionPrefix">Text put before the correction so its first token matches what generation after the
    /// <param name="keepTokenId">The keep marker: rows whose correction equals the answer are trained to emit it (see <see cref="Aligner.Generation.KeepMarker"/>).</param>
    /// prompt produces (a space for byte-level BPE tokenizers, whose prompt ends in <c>ASSISTANT:</c>).</param>
    /// <param name="instructions">For templates with an instruction: the instruction per row category, with a <c>default</c> entry for the rest (the corrector's <c>aligner_instructions</c>).</param>
    public CorrectionSequenceEncoder(ITextTokenizer tokenizer, CorrectionPromptTemplate template, int maxSequenceLength,
        OverlongRowPolicy policy = OverlongRowPolicy.TruncateAnswer, string correctionPrefix = " ", int? keepTokenId = null,
        IReadOnlyDictionary<string, string>? instructions = null)
    {
        _instructions = instructions is null ? null : new Dictionary<string, string>(instructions, StringComparer.OrdinalIgnoreCase);
        if (template is { UsesInstruction: true } && (_instructions is null || !_instructions.ContainsKey("default")))
            throw new ArgumentException($"The template '{template.Name}' needs an instruction per row: the corrector's config must declare aligner_instructions with a 'default' entry.", nameof(instructions));
        _keep = keepTokenId;
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _template = template ?? throw new ArgumentNullException(nameof(template));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 2);
        _eos = tokenizer.EosTokenId ?? throw new ArgumentException("The tokenizer has no EOS token; a corrector must learn to stop.", nameof(tokenizer));
        MaxSequenceLength = maxSequenceLength;
        Policy = policy;
        CorrectionPrefix = correctionPrefix ?? "";
    }

    /// <summary>Most tokens in one sequence.</summary>
    public int MaxSequenceLength { get; }

    /// <summary>What happens to rows that do not fit.</summary>
    public OverlongRowPolicy Policy { get; }

    /// <summary>Text put before the correction.</summary>
    public string CorrectionPrefix { get; }

    /// <summary>The keep marker's id, when rows whose correction equals the answer are trained to emit it.</summary>
    public int? KeepTokenId => _keep;

    /// <summary>Encodes one row, or returns <see langword="null"/> when it cannot fit (then the caller counts it as dropped).</summary>
    /// <param name="row">The row.</param>
    /// <param name="answerTruncated">Set when the answer in the prompt was shortened to fit.</param>
    public EncodedSequence? Encode(CorrectionExample row, out bool answerTruncated) => Encode(row, out answerTruncated, copyKeptAnswers: false);

    /// <summary>
    /// Encodes one row. With a keep marker (<c>keepTokenId</c>), a row whose correction equals its answer is trained
    /// to emit the marker (then EOS) unless <paramref name="copyKeptAnswers"/> asks for the full copy (the identity
    /// warm-up, which teaches copying).
    /// </summary>
    public EncodedSequence? Encode(CorrectionExample row, out bool answerTruncated, bool copyKeptAnswers)
    {
        ArgumentNullException.ThrowIfNull(row);
        answerTruncated = false;
        bool keep = _keep is not null && !copyKeptAnswers && string.Equals(row.Correction, row.Answer, StringComparison.Ordinal);
        var target = keep ? [_keep!.Value, _eos] : new List<int>(_tokenizer.Encode(CorrectionPrefix + row.Correction, addSpecialTokens: false)) { _eos };
        var instruction = InstructionFor(row.Category);
        var prompt = EncodePrompt(row.Question, row.Answer, instruction);
        if (prompt.Count + target.Count <= MaxSequenceLength) return Build(prompt, target);
        if (Policy == OverlongRowPolicy.Drop) return null;

        int budget = MaxSequenceLength - target.Count;
        if (EncodePrompt(row.Question, "", instruction).Count > budget) return null;
        var answerTokens = _tokenizer.Encode(row.Answer, addSpecialTokens: false);
        // Binary search for the longest answer prefix (in tokens) whose prompt fits.
        int lo = 0, hi = answerTokens.Count;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (EncodePrompt(row.Question, DecodePrefix(answerTokens, mid), instruction).Count <= budget) lo = mid; else hi = mid - 1;
        }
        answerTruncated = true;
        return Build(EncodePrompt(row.Question, DecodePrefix(answerTokens, lo), instruction), target);
    }

    /// <summary>The instruction of a row's category (else the <c>default</c> one) for templates that use one; null otherwise.</summary>
    public string? InstructionFor(string? category)
    {
        if (!_template.UsesInstruction || _instructions is null) return null;
        return category is not null && _instructions.TryGetValue(category, out var text) ? text : _instructions["default"];
    }

    private IReadOnlyList<int> EncodePrompt(string question, string answer, string? instruction) =>
        _tokenizer.EncodePrompt(_template.Render(question, answer, instruction), addSpecialTokens: true);

    private string DecodePrefix(IReadOnlyList<int> tokens, int count) => _tokenizer.Decode(tokens.Take(count), skipSpecialTokens: true).TrimEnd('\uFFFD');

    private static EncodedSequence Build(IReadOnlyList<int> prompt, List<int> target) => new([.. prompt, .. target], prompt.Count);
}
