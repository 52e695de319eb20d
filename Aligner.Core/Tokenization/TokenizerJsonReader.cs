using System.Text;
using System.Text.Json;
using Aligner.Tokenization.Decoders;
using Aligner.Tokenization.Models;
using Aligner.Tokenization.Normalizers;
using Aligner.Tokenization.PostProcessors;
using Aligner.Tokenization.PreTokenizers;

namespace Aligner.Tokenization;

/// <summary>Builds a <see cref="HuggingFaceTokenizer"/> from the parts of a <c>tokenizer.json</c>.</summary>
internal sealed class TokenizerJsonReader
{
    private readonly string _path;

    private TokenizerJsonReader(string path) => _path = path;

    /// <summary>The largest token id accepted; real vocabularies are far smaller, and ids size the lookup tables.</summary>
    internal const int MaxTokenId = 1 << 24;

    public static HuggingFaceTokenizer Read(byte[] json, string path, TokenizerSettings settings, TokenizerSource source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, null, "not valid JSON: " + e.Message, e);
        }
        using (document)
        {
            try
            {
                return new TokenizerJsonReader(path).Build(document.RootElement, settings, source);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or IndexOutOfRangeException or KeyNotFoundException or OverflowException)
            {
                // A value of an unexpected JSON kind deep in a component.
                throw new ModelFormatException(path, null, "malformed tokenizer file: " + e.Message, e);
            }
        }
    }

    private HuggingFaceTokenizer Build(JsonElement root, TokenizerSettings settings, TokenizerSource source)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ModelFormatException(_path, null, "expected a JSON object");
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(_path, "model", "missing");
        var addedTokens = ReadAddedTokens(root);
        var bpe = ReadModel(model, addedTokens);
        var wrapping = ReadPostProcessor(Optional(root, "post_processor"), "post_processor", addedTokens, bpe);
        int vocabularySize = Math.Max(bpe.Vocabulary.Count == 0 ? 0 : bpe.Vocabulary.Values.Max() + 1, addedTokens.Count == 0 ? 0 : addedTokens.Max(t => t.Id) + 1);
        foreach (var id in wrapping.Prefix.Concat(wrapping.Suffix))
            if (id < 0 || id >= vocabularySize)
                throw new ModelFormatException(_path, "post_processor", $"adds token id {id}, outside the vocabulary (size {vocabularySize})");
        return new HuggingFaceTokenizer(
            bpe,
            addedTokens,
            ReadNormalizer(Optional(root, "normalizer"), "normalizer"),
            ReadPreTokenizer(Optional(root, "pre_tokenizer"), "pre_tokenizer"),
            ReadDecoder(Optional(root, "decoder"), "decoder"),
            wrapping,
            settings,
            source);
    }

    private static JsonElement? Optional(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private List<AddedToken> ReadAddedTokens(JsonElement root)
    {
        var result = new List<AddedToken>();
        if (Optional(root, "added_tokens") is not JsonElement array) return result;
        if (array.ValueKind != JsonValueKind.Array) throw new ModelFormatException(_path, "added_tokens", "expected an array");
        int i = 0;
        foreach (var t in array.EnumerateArray())
        {
            var field = $"added_tokens[{i++}]";
            if (t.ValueKind != JsonValueKind.Object) throw new ModelFormatException(_path, field, "expected an object");
            result.Add(new AddedToken(
                TokenId(t, "id", field),
                String(t, "content", field),
                Bool(t, "single_word", field, false),
                Bool(t, "lstrip", field, false),
                Bool(t, "rstrip", field, false),
                Bool(t, "normalized", field, false),
                Bool(t, "special", field, false)));
        }
        return result;
    }

    private BpeModel ReadModel(JsonElement model, IReadOnlyList<AddedToken> addedTokens)
    {
        var type = Optional(model, "type") is JsonElement ? String(model, "type", "model") : (model.TryGetProperty("merges", out _) ? "BPE" : null);
        if (type != "BPE")
            throw new NotSupportedModelException(_path, "model.type", $"'{type}' is not supported; only BPE models are");
        if (Optional(model, "dropout") is JsonElement dropout && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
            throw new NotSupportedModelException(_path, "model.dropout", "BPE dropout is not supported");
        var prefix = Optional(model, "continuing_subword_prefix") is JsonElement ? String(model, "continuing_subword_prefix", "model") : "";
        var suffix = Optional(model, "end_of_word_suffix") is JsonElement ? String(model, "end_of_word_suffix", "model") : "";

        if (Optional(model, "vocab") is not JsonElement vocabElement || vocabElement.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(_path, "model.vocab", "missing or not an object");
        var vocabulary = new Dictionary<string, int>(vocabElement.GetPropertyCount(), StringComparer.Ordinal);
        foreach (var entry in vocabElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0 || id > MaxTokenId)
                throw new ModelFormatException(_path, "model.vocab", $"entry '{entry.Name}' is not a token id between 0 and {MaxTokenId}");
            vocabulary[entry.Name] = id;
        }

        var merges = new Dictionary<long, (int Rank, int NewId)>();
        var lookup = vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        if (Optional(model, "merges") is JsonElement mergesElement)
        {
            merges.EnsureCapacity(mergesElement.GetArrayLength());
            if (mergesElement.ValueKind != JsonValueKind.Array) throw new ModelFormatException(_path, "model.merges", "expected an array");
            int rank = 0;
            foreach (var m in mergesElement.EnumerateArray())
            {
                var (left, right) = ParseMerge(m, rank);
                // As Hugging Face does, the right part loses the prefix's length before joining.
                var rightJoined = prefix.Length > 0 && right.Length >= prefix.Length ? right[prefix.Length..] : right;
                if (!vocabulary.TryGetValue(left, out var leftId) || !vocabulary.TryGetValue(right, out var rightId) || !TryGetConcatenated(lookup, left, rightJoined, out var newId))
                    throw new ModelFormatException(_path, $"model.merges[{rank}]", $"merge '{left} {right}' uses a token that is not in the vocabulary");
                merges.TryAdd(BpeModel.PairKey(leftId, rightId), (rank, newId));
                rank++;
            }
        }

        int? unkId = null;
        if (Optional(model, "unk_token") is JsonElement && String(model, "unk_token", "model") is var unkToken)
        {
            if (vocabulary.TryGetValue(unkToken, out var id)) unkId = id;
            else if (addedTokens.FirstOrDefault(a => a.Content == unkToken) is AddedToken added) unkId = added.Id;
            else throw new ModelFormatException(_path, "model.unk_token", $"'{unkToken}' is not in the vocabulary");
        }
        return new BpeModel(
            vocabulary,
            merges,
            unkId,
            Bool(model, "fuse_unk", "model", false),
            Bool(model, "byte_fallback", "model", false),
            Bool(model, "ignore_merges", "model", false),
            prefix,
            suffix);
    }

    private static bool TryGetConcatenated(Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup, string left, string right, out int id)
    {
        int length = left.Length + right.Length;
        Span<char> buffer = length <= 256 ? stackalloc char[length] : new char[length];
        left.CopyTo(buffer);
        right.CopyTo(buffer[left.Length..]);
        return lookup.TryGetValue(buffer, out id);
    }

    private (string Left, string Right) ParseMerge(JsonElement m, int rank)
    {
        if (m.ValueKind == JsonValueKind.String)
        {
            var s = m.GetString()!;
            int space = s.IndexOf(' ', 1);
            if (space > 0 && space < s.Length - 1 && s.IndexOf(' ', space + 1) < 0) return (s[..space], s[(space + 1)..]);
        }
        else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
            return (m[0].GetString()!, m[1].GetString()!);
        throw new ModelFormatException(_path, $"model.merges[{rank}]", "expected \"left right\" or [\"left\", \"right\"]");
    }

    private ITextNormalizer? ReadNormalizer(JsonElement? element, string field)
    {
        if (element is not JsonElement n) return null;
        var type = TypeOf(n, field);
        return type switch
        {
            "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(Bool(n, "strip_left", field, true), Bool(n, "strip_right", field, true)),
            "Prepend" => new PrependNormalizer(String(n, "prepend", field)),
            "Replace" => new ReplaceNormalizer(ReadPattern(n, field), String(n, "content", field)),
            "Sequence" => new SequenceNormalizer(Items(n, "normalizers", field).Select((e, i) => ReadNormalizer(e, $"{field}.normalizers[{i}]")!).ToList()),
            _ => throw new NotSupportedModelException(_path, field + ".type", $"normalizer '{type}' is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, Sequence)"),
        };
    }

    private IPreTokenizer? ReadPreTokenizer(JsonElement? element, string field)
    {
        if (element is not JsonElement p) return null;
        var type = TypeOf(p, field);
        return type switch
        {
            "ByteLevel" => new ByteLevelPreTokenizer(Bool(p, "add_prefix_space", field, true), Bool(p, "use_regex", field, true)),
            "Split" => new SplitPreTokenizer(ReadPattern(p, field), ReadBehavior(p, field), Bool(p, "invert", field, false)),
            "Metaspace" => new MetaspacePreTokenizer(ReadReplacement(p, field), ReadPrependScheme(p, field), Bool(p, "split", field, true)),
            "Digits" => new DigitsPreTokenizer(Bool(p, "individual_digits", field, false)),
            "Whitespace" => CharacterClassPreTokenizer.Whitespace(),
            "WhitespaceSplit" => CharacterClassPreTokenizer.WhitespaceSplit(),
            "Punctuation" => CharacterClassPreTokenizer.Punctuation(Optional(p, "behavior") is null ? SplitBehavior.Isolated : ReadBehavior(p, field)),
            "BertPreTokenizer" => new SequencePreTokenizer([CharacterClassPreTokenizer.WhitespaceSplit(), CharacterClassPreTokenizer.Punctuation(SplitBehavior.Isolated)]),
            "Sequence" => new SequencePreTokenizer(Items(p, "pretokenizers", field).Select((e, i) => ReadPreTokenizer(e, $"{field}.pretokenizers[{i}]")!).ToList()),
            _ => throw new NotSupportedModelException(_path, field + ".type", $"pre-tokenizer '{type}' is not supported (supported: ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation, BertPreTokenizer, Sequence)"),
        };
    }

    private ITokenDecoder? ReadDecoder(JsonElement? element, string field)
    {
        if (element is not JsonElement d) return null;
        var type = TypeOf(d, field);
        return type switch
        {
            "ByteLevel" => new ByteLevelDecoder(),
            "Replace" => new ReplaceDecoder(ReadPattern(d, field), String(d, "content", field)),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder(ReadChar(d, "content", field), Int(d, "start", field), Int(d, "stop", field)),
            "Metaspace" => new MetaspaceDecoder(ReadReplacement(d, field), ReadPrependScheme(d, field)),
            "BPEDecoder" => new SuffixDecoder(Optional(d, "suffix") is JsonElement ? String(d, "suffix", field) : "</w>"),
            "Sequence" => new SequenceDecoder(Items(d, "decoders", field).Select((e, i) => ReadDecoder(e, $"{field}.decoders[{i}]")!).ToList()),
            _ => throw new NotSupportedModelException(_path, field + ".type", $"decoder '{type}' is not supported (supported: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, BPEDecoder, Sequence)"),
        };
    }

    private SpecialTokenWrapping ReadPostProcessor(JsonElement? element, string field, IReadOnlyList<AddedToken> addedTokens, BpeModel model)
    {
        if (element is not JsonElement p) return SpecialTokenWrapping.None;
        var type = TypeOf(p, field);
        switch (type)
        {
            case "ByteLevel":
                return SpecialTokenWrapping.None;
            case "Sequence":
            {
                var result = SpecialTokenWrapping.None;
                int i = 0;
                foreach (var e in Items(p, "processors", field))
                    result = result.Then(ReadPostProcessor(e, $"{field}.processors[{i++}]", addedTokens, model));
                return result;
            }
            case "BertProcessing":
            case "RobertaProcessing":
                return new SpecialTokenWrapping([PairId(p, "cls", field)], [PairId(p, "sep", field)]);
            case "TemplateProcessing":
                return ReadTemplate(p, field);
            default:
                throw new NotSupportedModelException(_path, field + ".type", $"post-processor '{type}' is not supported (supported: TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence)");
        }
    }

    private SpecialTokenWrapping ReadTemplate(JsonElement p, string field)
    {
        var specialIds = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (Optional(p, "special_tokens") is JsonElement map && map.ValueKind == JsonValueKind.Object)
            foreach (var entry in map.EnumerateObject())
            {
                if (Optional(entry.Value, "ids") is not JsonElement ids || ids.ValueKind != JsonValueKind.Array)
                    throw new ModelFormatException(_path, $"{field}.special_tokens.{entry.Name}.ids", "missing");
                specialIds[entry.Name] = ids.EnumerateArray().Select(x => x.GetInt32()).ToArray();
            }
        var prefix = new List<int>();
        var suffix = new List<int>();
        bool seenSequence = false;
        int i = 0;
        foreach (var item in Items(p, "single", field))
        {
            var itemField = $"{field}.single[{i++}]";
            if (Optional(item, "Sequence") is JsonElement)
            {
                if (seenSequence) throw new ModelFormatException(_path, itemField, "the single template uses the sequence twice");
                seenSequence = true;
            }
            else if (Optional(item, "SpecialToken") is JsonElement special)
            {
                var name = String(special, "id", itemField);
                if (!specialIds.TryGetValue(name, out var ids))
                    throw new ModelFormatException(_path, itemField, $"special token '{name}' is not listed in special_tokens");
                (seenSequence ? suffix : prefix).AddRange(ids);
            }
            else throw new ModelFormatException(_path, itemField, "expected 'Sequence' or 'SpecialToken'");
        }
        return new SpecialTokenWrapping([.. prefix], [.. suffix]);
    }

    private int PairId(JsonElement p, string name, string field)
    {
        if (Optional(p, name) is JsonElement pair && pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2 && pair[1].TryGetInt32(out var id))
            return id;
        throw new ModelFormatException(_path, $"{field}.{name}", "expected [token, id]");
    }

    private TextPattern ReadPattern(JsonElement o, string field)
    {
        if (Optional(o, "pattern") is not JsonElement pattern || pattern.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(_path, field + ".pattern", "missing");
        if (Optional(pattern, "String") is JsonElement s && s.ValueKind == JsonValueKind.String) return TextPattern.Literal(s.GetString()!);
        if (Optional(pattern, "Regex") is JsonElement r && r.ValueKind == JsonValueKind.String)
        {
            try { return TextPattern.FromRegex(r.GetString()!); }
            catch (ArgumentException e) { throw new NotSupportedModelException(_path, field + ".pattern.Regex", "the regular expression is not supported: " + e.Message); }
        }
        throw new ModelFormatException(_path, field + ".pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
    }

    private SplitBehavior ReadBehavior(JsonElement o, string field)
    {
        var value = String(o, "behavior", field);
        return value switch
        {
            "Removed" => SplitBehavior.Removed,
            "Isolated" => SplitBehavior.Isolated,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            _ => throw new NotSupportedModelException(_path, field + ".behavior", $"split behavior '{value}' is not supported"),
        };
    }

    private char ReadReplacement(JsonElement o, string field) => ReadChar(o, "replacement", field);

    private PrependScheme ReadPrependScheme(JsonElement o, string field)
    {
        if (Optional(o, "prepend_scheme") is JsonElement)
            return String(o, "prepend_scheme", field) switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                var other => throw new NotSupportedModelException(_path, field + ".prepend_scheme", $"'{other}' is not supported"),
            };
        return Bool(o, "add_prefix_space", field, true) ? PrependScheme.Always : PrependScheme.Never;
    }

    private char ReadChar(JsonElement o, string name, string field)
    {
        var s = String(o, name, field);
        return s.Length == 1 ? s[0] : throw new NotSupportedModelException(_path, $"{field}.{name}", "only single-character values are supported");
    }

    private string TypeOf(JsonElement o, string field)
    {
        if (o.ValueKind != JsonValueKind.Object) throw new ModelFormatException(_path, field, "expected an object");
        return String(o, "type", field);
    }

    private IEnumerable<JsonElement> Items(JsonElement o, string name, string field)
    {
        if (Optional(o, name) is not JsonElement a || a.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(_path, $"{field}.{name}", "missing or not an array");
        return a.EnumerateArray();
    }

    private string String(JsonElement o, string name, string field)
    {
        if (o.ValueKind != JsonValueKind.Object) throw new ModelFormatException(_path, field, "expected an object");
        if (Optional(o, name) is JsonElement v && v.ValueKind == JsonValueKind.String) return v.GetString()!;
        throw new ModelFormatException(_path, $"{field}.{name}", "missing or not a string");
    }

    private int TokenId(JsonElement o, string name, string field)
    {
        var id = Int(o, name, field);
        return id is >= 0 and <= MaxTokenId ? id : throw new ModelFormatException(_path, $"{field}.{name}", $"{id} is not a token id between 0 and {MaxTokenId}");
    }

    private int Int(JsonElement o, string name, string field)
    {
        if (Optional(o, name) is JsonElement v && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
        throw new ModelFormatException(_path, $"{field}.{name}", "missing or not an integer");
    }

    private bool Bool(JsonElement o, string name, string field, bool fallback)
    {
        if (Optional(o, name) is not JsonElement v) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ModelFormatException(_path, $"{field}.{name}", "expected true or false"),
        };
    }
}
