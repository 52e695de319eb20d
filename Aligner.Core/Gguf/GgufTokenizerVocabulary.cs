using System.Text.Json;
using System.Text.RegularExpressions;
using Aligner.Checkpoints;

namespace Aligner.Gguf;

/// <summary>
/// A Hugging Face tokenizer (<c>tokenizer.json</c>, with <c>tokenizer_config.json</c> when present) as the
/// <c>tokenizer.ggml.*</c> metadata llama.cpp reads: model <c>llama</c> (SentencePiece-style BPE with byte fallback, or
/// Unigram) with scores and token types, or <c>gpt2</c> (byte-level BPE) with merges and a pre-tokenizer name.
/// Ids missing from the tokenizer up to the model's vocabulary size become <c>[PAD{id}]</c> tokens of type
/// <see cref="GgufTokenType.Unused"/>, as <c>convert_hf_to_gguf.py</c> writes them.
/// </summary>
public sealed partial class GgufTokenizerVocabulary
{
    /// <summary>The tokenizer file name read.</summary>
    public const string TokenizerFileName = "tokenizer.json";

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

    /// <summary>Reads the tokenizer of a checkpoint folder and pads it to <paramref name="config"/>'s vocabulary size.</summary>
    /// <exception cref="ModelFormatException">No <c>tokenizer.json</c>, malformed JSON, ids outside the vocabulary (file and field named).</exception>
    /// <exception cref="NotSupportedModelException">A tokenizer model other than BPE or Unigram.</exception>
    public static GgufTokenizerVocabulary Load(string folder, DecoderConfig config)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(config);
        var path = Path.Combine(folder, TokenizerFileName);
        if (!File.Exists(path)) throw new ModelFormatException(path, null, "file not found: GGUF export needs the checkpoint's tokenizer.json.");
        using var doc = ParseJson(path);
        var configPath = Path.Combine(folder, TokenizerConfigFileName);
        using var tokenizerConfig = File.Exists(configPath) ? ParseJson(configPath) : null;
        return Build(path, doc.RootElement, configPath, tokenizerConfig?.RootElement, config);
    }

    private static JsonDocument ParseJson(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ModelFormatException(path, null, $"is not valid JSON: {e.Message}", e); }
    }

    private static GgufTokenizerVocabulary Build(string path, JsonElement root, string configPath, JsonElement? tokenizerConfig, DecoderConfig config)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, "model", "is required (an object).");
        var modelType = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (modelType is null && model.TryGetProperty("merges", out _)) modelType = "BPE";
        int size = config.VocabSize;
        var tokens = new string?[size];
        var types = new GgufTokenType[size];
        float[]? scores = null;
        string[]? merges = null;
        bool byteLevel = IsByteLevel(root);

        switch (modelType)
        {
            case "BPE":
                ReadVocab(path, model, tokens);
                merges = ReadMerges(path, model);
                if (!byteLevel)
                {
                    scores = new float[size];
                    var byText = new Dictionary<string, int>(StringComparer.Ordinal);
                    for (int i = 0; i < size; i++) if (tokens[i] is { } s) byText.TryAdd(s, i);
                    for (int rank = 0; rank < merges.Length; rank++)
                    {
                        int space = merges[rank].IndexOf(' ', StringComparison.Ordinal);
                        var merged = string.Concat(merges[rank].AsSpan(0, space), merges[rank].AsSpan(space + 1));
                        if (byText.TryGetValue(merged, out int id) && scores[id] == 0) scores[id] = -(rank + 1);
                    }
                }
                break;
            case "Unigram":
                scores = new float[size];
                ReadUnigramVocab(path, model, tokens, scores);
                break;
            default:
                throw new NotSupportedModelException(path, "model.type", $"tokenizer model '{modelType}' cannot be exported to GGUF (BPE and Unigram can).");
        }

        for (int i = 0; i < size; i++)
        {
            if (tokens[i] is null) { tokens[i] = $"[PAD{i}]"; types[i] = GgufTokenType.Unused; }
            else types[i] = !byteLevel && ByteTokenPattern().IsMatch(tokens[i]!) ? GgufTokenType.Byte : GgufTokenType.Normal;
        }

        var specialByText = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in added.EnumerateArray())
            {
                if (a.ValueKind != JsonValueKind.Object || !a.TryGetProperty("id", out var idElement) || !idElement.TryGetInt32(out int id)
                    || !a.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                    throw new ModelFormatException(path, "added_tokens", "each entry needs an integer id and a string content.");
                if (id < 0 || id >= size)
                    throw new ModelFormatException(path, "added_tokens", $"token '{content.GetString()}' has id {id}, outside the model's vocabulary (vocab_size {size}).");
                bool special = a.TryGetProperty("special", out var sp) && sp.ValueKind == JsonValueKind.True;
                tokens[id] = content.GetString()!;
                if (!byteLevel && ByteTokenPattern().IsMatch(tokens[id]!)) continue;
                types[id] = special ? GgufTokenType.Control : GgufTokenType.UserDefined;
                specialByText.TryAdd(tokens[id]!, id);
            }
        }

        int? unknownId = model.TryGetProperty("unk_token", out var unk) && unk.ValueKind == JsonValueKind.String ? IdOf(tokens, unk.GetString()!) : null;
        if (modelType == "Unigram" && model.TryGetProperty("unk_id", out var unkId) && unkId.TryGetInt32(out int u) && u >= 0 && u < size) unknownId = u;
        if (unknownId is { } unkIndex) types[unkIndex] = GgufTokenType.Unknown;

        int? SpecialFromConfig(string field)
        {
            if (tokenizerConfig is not { ValueKind: JsonValueKind.Object } c || !c.TryGetProperty(field, out var v)) return null;
            var text = v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Object when v.TryGetProperty("content", out var inner) && inner.ValueKind == JsonValueKind.String => inner.GetString(),
                _ => null,
            };
            if (text is null) return null;
            return specialByText.TryGetValue(text, out int id) ? id : IdOf(tokens, text)
                ?? throw new ModelFormatException(configPath, field, $"token '{text}' is not in the vocabulary.");
        }
        bool? ConfigBool(string field) =>
            tokenizerConfig is { ValueKind: JsonValueKind.Object } c && c.TryGetProperty(field, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? v.GetBoolean() : null;

        int? bos = SpecialFromConfig("bos_token") ?? config.BosTokenId;
        int? eos = SpecialFromConfig("eos_token") ?? (config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : null);
        int? pad = SpecialFromConfig("pad_token") ?? config.PadTokenId;
        bool addBos = ConfigBool("add_bos_token") ?? PostProcessorAddsBos(root, bos, tokens) ?? !byteLevel;
        string? chatTemplate = tokenizerConfig is { ValueKind: JsonValueKind.Object } tc && tc.TryGetProperty("chat_template", out var ct) && ct.ValueKind == JsonValueKind.String
            ? ct.GetString() : null;

        return new GgufTokenizerVocabulary
        {
            Model = byteLevel ? "gpt2" : "llama",
            PreTokenizer = byteLevel ? PreTokenizerName(root) : null,
            Tokens = tokens!,
            Scores = scores,
            TokenTypes = types,
            Merges = byteLevel ? merges : null,
            BosTokenId = bos,
            EosTokenId = eos,
            UnknownTokenId = unknownId,
            PaddingTokenId = pad,
            AddBos = addBos,
            AddEos = ConfigBool("add_eos_token") ?? false,
            ChatTemplate = chatTemplate,
        };
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

    private static int? IdOf(string?[] tokens, string text)
    {
        int i = Array.IndexOf(tokens, text);
        return i >= 0 ? i : null;
    }

    private static void ReadVocab(string path, JsonElement model, string?[] tokens)
    {
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, "model.vocab", "is required (an object from token to id).");
        foreach (var entry in vocab.EnumerateObject())
        {
            if (!entry.Value.TryGetInt32(out int id)) throw new ModelFormatException(path, "model.vocab." + entry.Name, "id must be an integer.");
            if (id < 0 || id >= tokens.Length)
                throw new ModelFormatException(path, "model.vocab." + entry.Name, $"id {id} is outside the model's vocabulary (vocab_size {tokens.Length}).");
            tokens[id] = entry.Name;
        }
    }

    private static void ReadUnigramVocab(string path, JsonElement model, string?[] tokens, float[] scores)
    {
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(path, "model.vocab", "is required (a list of [piece, score]).");
        int id = 0;
        foreach (var entry in vocab.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String || !entry[1].TryGetDouble(out double score))
                throw new ModelFormatException(path, $"model.vocab[{id}]", "must be [piece, score].");
            if (id >= tokens.Length) throw new ModelFormatException(path, "model.vocab", $"has more pieces than the model's vocabulary (vocab_size {tokens.Length}).");
            tokens[id] = entry[0].GetString();
            scores[id] = (float)score;
            id++;
        }
    }

    private static string[] ReadMerges(string path, JsonElement model)
    {
        if (!model.TryGetProperty("merges", out var merges) || merges.ValueKind != JsonValueKind.Array) return [];
        var result = new string[merges.GetArrayLength()];
        int i = 0;
        foreach (var m in merges.EnumerateArray())
        {
            result[i] = m.ValueKind switch
            {
                JsonValueKind.String when m.GetString()!.Contains(' ', StringComparison.Ordinal) => m.GetString()!,
                JsonValueKind.Array when m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String
                    => m[0].GetString() + " " + m[1].GetString(),
                _ => throw new ModelFormatException(path, $"model.merges[{i}]", "must be \"left right\" or [left, right]."),
            };
            i++;
        }
        return result;
    }

    private static bool IsByteLevel(JsonElement root) =>
        ContainsType(root.TryGetProperty("pre_tokenizer", out var p) ? p : default, "ByteLevel") ||
        ContainsType(root.TryGetProperty("decoder", out var d) ? d : default, "ByteLevel");

    private static bool ContainsType(JsonElement e, string type)
    {
        if (e.ValueKind != JsonValueKind.Object) return false;
        if (e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == type) return true;
        foreach (var listName in new[] { "pretokenizers", "decoders", "normalizers" })
            if (e.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var item in list.EnumerateArray())
                    if (ContainsType(item, type)) return true;
        return false;
    }

    /// <summary>
    /// Whether the post-processor adds the BOS token: a template (or a processor of a sequence) that names it in its
    /// <c>single</c> template or as its <c>cls</c> token. Read from the parsed tree, by exact token, not by substring.
    /// </summary>
    private static bool? PostProcessorAddsBos(JsonElement root, int? bos, string?[] tokens)
    {
        if (bos is not { } id || tokens[id] is not { } token || !root.TryGetProperty("post_processor", out var p) || p.ValueKind != JsonValueKind.Object) return null;
        return NamesToken(p, token);

        static bool NamesToken(JsonElement e, string token)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String: return e.GetString() == token;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray()) if (NamesToken(item, token)) return true;
                    return false;
                case JsonValueKind.Object:
                    foreach (var property in e.EnumerateObject())
                    {
                        // "pair" describes two-sequence inputs and "special_tokens" is the table of ids: neither says what a single text gets.
                        if (property.Name is "pair" or "special_tokens" or "sep") continue;
                        if (NamesToken(property.Value, token)) return true;
                    }
                    return false;
                default: return false;
            }
        }
    }

    /// <summary>
    /// The llama.cpp pre-tokenizer name for the split regex of a byte-level tokenizer, read from the parsed
    /// <c>pre_tokenizer</c> tree: a <c>Split</c> step's regex (Qwen2's single-digit or Llama 3's 1–3-digit pattern), else a
    /// <c>ByteLevel</c> step with <c>use_regex: true</c> (GPT-2's own split).
    /// </summary>
    private static string PreTokenizerName(JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var p)) return "default";
        foreach (var step in Steps(p))
        {
            if (!IsType(step, "Split") || !step.TryGetProperty("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.Object
                || !pattern.TryGetProperty("Regex", out var regex) || regex.ValueKind != JsonValueKind.String) continue;
            var r = regex.GetString()!;
            if (r.Contains(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|", StringComparison.Ordinal)) return "qwen2";
            if (r.Contains(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}", StringComparison.Ordinal)) return "llama-bpe";
        }
        foreach (var step in Steps(p))
            if (IsType(step, "ByteLevel") && step.TryGetProperty("use_regex", out var useRegex) && useRegex.ValueKind == JsonValueKind.True) return "gpt-2";
        return "default";

        static bool IsType(JsonElement e, string type) =>
            e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == type;
    }

    /// <summary>A pre-tokenizer and, for a <c>Sequence</c>, its steps, depth first.</summary>
    private static IEnumerable<JsonElement> Steps(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) yield break;
        yield return e;
        if (e.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var item in list.EnumerateArray())
                foreach (var step in Steps(item))
                    yield return step;
    }

    [GeneratedRegex("^<0x[0-9A-Fa-f]{2}>$")]
    private static partial Regex ByteTokenPattern();
}
