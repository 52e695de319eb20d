using System.Text.Json;
using System.Text.RegularExpressions;
using Aligner.Checkpoints;
using Aligner.Tokenization;
using Aligner.Tokenization.Decoders;
using Aligner.Tokenization.PreTokenizers;

namespace Aligner.Gguf;

/// <summary>
/// A loaded tokenizer (<see cref="HuggingFaceTokenizer"/>: what the backends tokenize with) as the
/// <c>tokenizer.ggml.*</c> metadata llama.cpp reads: model <c>llama</c> (SentencePiece-style BPE with byte fallback)
/// with scores and token types, or <c>gpt2</c> (byte-level BPE) with merges and a pre-tokenizer name.
/// Ids missing from the tokenizer up to the model's vocabulary size become <c>[PAD{id}]</c> tokens of type
/// <see cref="GgufTokenType.Unused"/>, as <c>convert_hf_to_gguf.py</c> writes them.
/// </summary>
public sealed partial class GgufTokenizerVocabulary
{
    /// <summary>The tokenizer configuration file name read when present.</summary>
    public const string TokenizerConfigFileName = "tokenizer_config.json";

    private GgufTokenizerVocabulary() { }

    /// <summary><c>tokenizer.ggml.model</c>: <c>llama</c> or <c>gpt2</c>.</summary>
    public required string Model { get; init; }

    /// <summary><c>tokenizer.ggml.pre</c> for <c>gpt2</c> tokenizers (<c>qwen2</c>, <c>llama-bpe</c>, <c>gpt-2</c> or <c>default</c>); <see langword="null"/> for <c>llama</c>.</summary>
    public string? PreTokenizer { get; init; }

    /// <summary>The token texts by id.</summary>
    public required string[] Tokens { get; init; }

    /// <summary>The token scores by id (<c>llama</c> only; for BPE, minus the rank of the merge that makes the token).</summary>
    public float[]? Scores { get; init; }

    /// <summary>The token types by id.</summary>
    public required GgufTokenType[] TokenTypes { get; init; }

    /// <summary>The merges as <c>"left right"</c> strings, in rank order (<c>gpt2</c> only).</summary>
    public string[]? Merges { get; init; }

    /// <summary>The beginning-of-sequence token id, if known.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>The end-of-sequence token id, if known.</summary>
    public int? EosTokenId { get; init; }

    /// <summary>The unknown token id, if any.</summary>
    public int? UnknownTokenId { get; init; }

    /// <summary>The padding token id, if any.</summary>
    public int? PaddingTokenId { get; init; }

    /// <summary>Whether a BOS token is prepended when text is tokenized.</summary>
    public bool AddBos { get; init; }

    /// <summary>Whether an EOS token is appended when text is tokenized.</summary>
    public bool AddEos { get; init; }

    /// <summary>The chat template (<c>tokenizer_config.json</c>'s <c>chat_template</c>), or <see langword="null"/>.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Loads the tokenizer of a checkpoint folder (<see cref="TokenizerLoader.Load"/>) and describes it for <paramref name="config"/>'s vocabulary size.</summary>
    /// <exception cref="ModelFormatException">No tokenizer files, a malformed file, ids outside the vocabulary (file and field named).</exception>
    /// <exception cref="NotSupportedModelException">A tokenizer the loader does not implement (e.g. Unigram), so neither the backends nor llama.cpp would tokenize alike.</exception>
    public static GgufTokenizerVocabulary Load(string folder, DecoderConfig config)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(config);
        return From(TokenizerLoader.Load(folder), config, ReadChatTemplate(folder));
    }

    /// <summary>
    /// Describes a loaded tokenizer as llama.cpp's metadata, padded to <paramref name="config"/>'s vocabulary size: the
    /// same vocabulary, merges, special tokens and BOS/EOS policy the backends tokenize with, so that llama.cpp's ids
    /// equal ours.
    /// </summary>
    /// <exception cref="ModelFormatException">A token id outside the model's vocabulary (the tokenizer file and token named).</exception>
    public static GgufTokenizerVocabulary From(HuggingFaceTokenizer tokenizer, DecoderConfig config, string? chatTemplate = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(config);
        var path = tokenizer.Source.ModelPath;
        int size = config.VocabSize;
        if (tokenizer.VocabularySize > size)
        {
            int id = tokenizer.VocabularySize - 1;
            throw new ModelFormatException(path, "model.vocab", $"token '{tokenizer.IdToToken(id)}' has id {id}, outside the model's vocabulary (vocab_size {size}).");
        }
        var model = tokenizer.Model;
        bool byteLevel = IsByteLevel(tokenizer);
        var tokens = new string[size];
        var types = new GgufTokenType[size];
        for (int i = 0; i < size; i++)
        {
            if (tokenizer.IdToToken(i) is not { } token) { tokens[i] = $"[PAD{i}]"; types[i] = GgufTokenType.Unused; continue; }
            tokens[i] = token;
            types[i] = !byteLevel && ByteTokenPattern().IsMatch(token) ? GgufTokenType.Byte : GgufTokenType.Normal;
        }

        var merges = new List<string>();
        float[]? scores = byteLevel ? null : new float[size];
        foreach (var (left, right, newId) in model.MergesInRankOrder())
        {
            merges.Add(tokens[left] + " " + tokens[right]);
            // SentencePiece-style BPE in llama.cpp merges by score: minus the rank of the merge that makes the token.
            if (scores is not null && scores[newId] == 0) scores[newId] = -merges.Count;
        }

        foreach (var added in tokenizer.AddedTokens)
        {
            if (!byteLevel && ByteTokenPattern().IsMatch(added.Content)) continue;
            types[added.Id] = added.Special ? GgufTokenType.Control : GgufTokenType.UserDefined;
        }
        int? unknownId = tokenizer.UnkTokenId ?? model.UnknownId;
        if (unknownId is { } unk) types[unk] = GgufTokenType.Unknown;

        return new GgufTokenizerVocabulary
        {
            Model = byteLevel ? "gpt2" : "llama",
            PreTokenizer = byteLevel ? PreTokenizerName(tokenizer.PreTokenizer) : null,
            Tokens = tokens,
            Scores = scores,
            TokenTypes = types,
            Merges = byteLevel ? [.. merges] : null,
            BosTokenId = tokenizer.BosTokenId ?? config.BosTokenId,
            EosTokenId = tokenizer.EosTokenId ?? (config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : null),
            UnknownTokenId = unknownId,
            PaddingTokenId = tokenizer.PadTokenId ?? config.PadTokenId,
            AddBos = tokenizer.AddsBosToken,
            AddEos = tokenizer.AddsEosToken,
            ChatTemplate = chatTemplate,
        };
    }

    /// <summary><c>tokenizer_config.json</c>'s <c>chat_template</c> when it is one string (not a list of named templates).</summary>
    private static string? ReadChatTemplate(string folder)
    {
        var path = Path.Combine(File.Exists(folder) ? Path.GetDirectoryName(Path.GetFullPath(folder))! : folder, TokenizerConfigFileName);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("chat_template", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString() : null;
        }
        catch (JsonException e) { throw new ModelFormatException(path, null, $"is not valid JSON: {e.Message}", e); }
    }

    /// <summary>Adds the <c>tokenizer.ggml.*</c> keys (and <c>tokenizer.chat_template</c>) to <paramref name="writer"/>.</summary>
    public void AddTo(GgufWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Add("tokenizer.ggml.model", GgufValue.From(Model));
        if (PreTokenizer is not null) writer.Add("tokenizer.ggml.pre", GgufValue.From(PreTokenizer));
        writer.Add("tokenizer.ggml.tokens", GgufValue.Array(GgufValueType.String, Tokens));
        if (Scores is not null) writer.Add("tokenizer.ggml.scores", GgufValue.Array(GgufValueType.Float32, Scores));
        writer.Add("tokenizer.ggml.token_type", GgufValue.Array(GgufValueType.Int32, TokenTypes.Select(x => (int)x).ToArray()));
        if (Merges is not null) writer.Add("tokenizer.ggml.merges", GgufValue.Array(GgufValueType.String, Merges));
        if (BosTokenId is { } bos) writer.Add("tokenizer.ggml.bos_token_id", GgufValue.From((uint)bos));
        if (EosTokenId is { } eos) writer.Add("tokenizer.ggml.eos_token_id", GgufValue.From((uint)eos));
        if (UnknownTokenId is { } unk) writer.Add("tokenizer.ggml.unknown_token_id", GgufValue.From((uint)unk));
        if (PaddingTokenId is { } pad) writer.Add("tokenizer.ggml.padding_token_id", GgufValue.From((uint)pad));
        writer.Add("tokenizer.ggml.add_bos_token", GgufValue.From(AddBos));
        writer.Add("tokenizer.ggml.add_eos_token", GgufValue.From(AddEos));
        if (ChatTemplate is not null) writer.Add("tokenizer.chat_template", GgufValue.From(ChatTemplate));
    }

    /// <summary>Whether the tokenizer works on GPT-2's byte alphabet: a ByteLevel pre-tokenizer or decoder step.</summary>
    private static bool IsByteLevel(HuggingFaceTokenizer tokenizer) =>
        PreTokenizerSteps(tokenizer.PreTokenizer).Any(s => s is ByteLevelPreTokenizer) || DecoderSteps(tokenizer.Decoder).Any(d => d is ByteLevelDecoder);

    /// <summary>
    /// The llama.cpp pre-tokenizer name for the split regex of a byte-level tokenizer: a <c>Split</c> step's regex (Qwen2's
    /// single-digit or Llama 3's 1–3-digit pattern), else a <c>ByteLevel</c> step that splits with GPT-2's regex.
    /// </summary>
    private static string PreTokenizerName(IPreTokenizer? preTokenizer)
    {
        var steps = PreTokenizerSteps(preTokenizer).ToList();
        foreach (var split in steps.OfType<SplitPreTokenizer>())
        {
            if (!split.Pattern.IsRegex) continue;
            var r = split.Pattern.Source;
            if (r.Contains(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|", StringComparison.Ordinal)) return "qwen2";
            if (r.Contains(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}", StringComparison.Ordinal)) return "llama-bpe";
        }
        return steps.OfType<ByteLevelPreTokenizer>().Any(b => b.UseRegex) ? "gpt-2" : "default";
    }

    /// <summary>A pre-tokenizer and, for a sequence, its steps, depth first.</summary>
    private static IEnumerable<IPreTokenizer> PreTokenizerSteps(IPreTokenizer? p) => p switch
    {
        null => [],
        SequencePreTokenizer sequence => [sequence, .. sequence.Steps.SelectMany(PreTokenizerSteps)],
        _ => [p],
    };

    private static IEnumerable<ITokenDecoder> DecoderSteps(ITokenDecoder? d) => d switch
    {
        null => [],
        SequenceDecoder sequence => [sequence, .. sequence.Steps.SelectMany(DecoderSteps)],
        _ => [d],
    };

    [GeneratedRegex("^<0x[0-9A-Fa-f]{2}>$")]
    private static partial Regex ByteTokenPattern();
}
