using System.Text;
using Aligner.Tokenization.Decoders;
using Aligner.Tokenization.Models;
using Aligner.Tokenization.Normalizers;
using Aligner.Tokenization.PostProcessors;
using Aligner.Tokenization.PreTokenizers;

namespace Aligner.Tokenization;

/// <summary>
/// A tokenizer described by a Hugging Face <c>tokenizer.json</c> (BPE model): added tokens, normalizer,
/// pre-tokenizer, BPE merges, post-processor and decoder applied with Hugging Face's semantics, so ids equal
/// those of the <c>tokenizers</c> library. Create one with <see cref="TokenizerLoader"/>. Thread-safe.
/// </summary>
public sealed class HuggingFaceTokenizer : ITextTokenizer
{
    private readonly BpeModel _model;
    private readonly string?[] _idToToken;
    private readonly Dictionary<string, int> _addedTokenIds = new(StringComparer.Ordinal);
    private readonly bool[] _isSpecial;
    private readonly AddedTokenMatcher _rawMatcher;
    private readonly AddedTokenMatcher _normalizedMatcher;
    private readonly ITextNormalizer? _normalizer;
    private readonly IPreTokenizer? _preTokenizer;
    private readonly ITokenDecoder? _decoder;
    private readonly SpecialTokenWrapping _wrapping;
    private readonly TokenizerSource _source;

    internal HuggingFaceTokenizer(
        BpeModel model,
        IReadOnlyList<AddedToken> addedTokens,
        ITextNormalizer? normalizer,
        IPreTokenizer? preTokenizer,
        ITokenDecoder? decoder,
        SpecialTokenWrapping postProcessorWrapping,
        TokenizerSettings settings,
        TokenizerSource source)
    {
        _model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _decoder = decoder;
        _source = source;
        Settings = settings;
        AddedTokens = addedTokens;

        int size = 0;
        foreach (var id in model.Vocabulary.Values) size = Math.Max(size, id + 1);
        foreach (var t in addedTokens) size = Math.Max(size, t.Id + 1);
        _idToToken = new string?[size];
        foreach (var (token, id) in model.Vocabulary) _idToToken[id] = token;
        _isSpecial = new bool[size];
        foreach (var t in addedTokens)
        {
            _idToToken[t.Id] = t.Content;
            _addedTokenIds[t.Content] = t.Id;
            if (t.Special) _isSpecial[t.Id] = true;
        }
        _rawMatcher = new AddedTokenMatcher(addedTokens.Where(t => !t.Normalized));
        _normalizedMatcher = new AddedTokenMatcher(addedTokens.Where(t => t.Normalized));

        // Without a configured BOS/EOS, the single special token the post-processor adds before/after is taken.
        BosTokenId = ResolveConfigured(settings.BosToken, "bos_token") ?? (postProcessorWrapping.Prefix is [var bos] ? bos : null);
        EosTokenId = ResolveConfigured(settings.EosToken, "eos_token") ?? (postProcessorWrapping.Suffix is [var eos] ? eos : null);
        PadTokenId = ResolveConfigured(settings.PadToken, "pad_token");
        UnkTokenId = ResolveConfigured(settings.UnkToken, "unk_token");
        foreach (var id in new[] { BosTokenId, EosTokenId, PadTokenId, UnkTokenId })
            if (id is int special) _isSpecial[special] = true;

        _wrapping = postProcessorWrapping;
        if (settings.AddBosToken is not null || settings.AddEosToken is not null)
        {
            bool addBos = settings.AddBosToken ?? postProcessorWrapping.Prefix.Length > 0;
            bool addEos = settings.AddEosToken ?? postProcessorWrapping.Suffix.Length > 0;
            if (addBos && BosTokenId is null)
                throw new ModelFormatException(source.ConfigPath, "add_bos_token", "is true but no bos_token is configured");
            if (addEos && EosTokenId is null)
                throw new ModelFormatException(source.ConfigPath, "add_eos_token", "is true but no eos_token is configured");
            _wrapping = new SpecialTokenWrapping(
                settings.AddBosToken is null ? postProcessorWrapping.Prefix : addBos ? [BosTokenId!.Value] : [],
                settings.AddEosToken is null ? postProcessorWrapping.Suffix : addEos ? [EosTokenId!.Value] : []);
        }
    }

    /// <summary>The tokenizer's configuration (special token strings, add_bos/add_eos).</summary>
    public TokenizerSettings Settings { get; }

    /// <summary>The added tokens of <c>tokenizer.json</c>.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <inheritdoc />
    public int VocabularySize => _idToToken.Length;

    /// <summary>The pre-tokenizer read from the file (for tests of its splits and the GGUF exporter).</summary>
    internal IPreTokenizer? PreTokenizer => _preTokenizer;

    /// <summary>The BPE model (the GGUF exporter reads its merges).</summary>
    internal BpeModel Model => _model;

    /// <summary>The decoder read from the file.</summary>
    internal ITokenDecoder? Decoder => _decoder;

    /// <summary>Where the tokenizer was read from (for error messages).</summary>
    internal TokenizerSource Source => _source;

    /// <inheritdoc />
    public int? BosTokenId { get; }

    /// <inheritdoc />
    public int? EosTokenId { get; }

    /// <inheritdoc />
    public int? PadTokenId { get; }

    /// <inheritdoc />
    public int? UnkTokenId { get; }

    /// <inheritdoc />
    public bool AddsBosToken => BosTokenId is int bos && _wrapping.Prefix.Contains(bos);

    /// <inheritdoc />
    public bool AddsEosToken => EosTokenId is int eos && _wrapping.Suffix.Contains(eos);

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true, bool parseSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        Func<AddedToken, int, int, bool> allow = parseSpecialTokens ? AllowAll : AllowNonSpecial;
        var ids = EncodeCore(ReplaceLoneSurrogates(text), allow, allow);
        return addSpecialTokens ? Wrap(ids) : ids;
    }

    /// <inheritdoc />
    public IReadOnlyList<int> EncodePrompt(CorrectionPrompt prompt, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = ReplaceLoneSurrogates(prompt.Text);
        var trusted = new List<(int Start, int End)>();
        int offset = 0;
        foreach (var part in prompt.Parts)
        {
            if (part.Trusted && part.Text.Length > 0) trusted.Add((offset, offset + part.Text.Length));
            offset += part.Text.Length;
        }
        bool InTrustedPart(AddedToken token, int start, int end) =>
            !token.Special || trusted.Exists(r => r.Start <= start && end <= r.End);
        // Normalized added tokens are matched in normalized text; its offsets are the raw ones only without a normalizer.
        var ids = EncodeCore(text, InTrustedPart, _normalizer is null ? InTrustedPart : AllowNonSpecial);
        return addSpecialTokens ? Wrap(ids) : ids;
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_idToToken.Length || _idToToken[id] is not string token) continue;
            if (skipSpecialTokens && _isSpecial[id]) continue;
            tokens.Add(token);
        }
        if (_decoder is null) return string.Join(' ', tokens);
        return string.Concat(_decoder.DecodeChain(tokens));
    }

    /// <inheritdoc />
    public IIncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = true) => new IncrementalDecoder(this, skipSpecialTokens);

    /// <inheritdoc />
    public int CountTokens(string text) => Encode(text, addSpecialTokens: false, parseSpecialTokens: false).Count;

    /// <inheritdoc />
    public bool IsSpecialToken(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    /// <inheritdoc />
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <inheritdoc />
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _addedTokenIds.TryGetValue(token, out var id) || _model.Vocabulary.TryGetValue(token, out id) ? id : null;
    }

    /// <summary>
    /// Writes <c>tokenizer.json</c>, <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> into
    /// <paramref name="folder"/> (created if needed), so that <see cref="TokenizerLoader.Load"/> on it gives the same ids.
    /// Files this tokenizer was loaded from are copied unchanged.
    /// </summary>
    public void Save(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        _source.WriteTo(folder, Settings with { AddBosToken = AddsBosToken, AddEosToken = AddsEosToken });
    }

    private static bool AllowAll(AddedToken token, int start, int end) => true;

    private static bool AllowNonSpecial(AddedToken token, int start, int end) => !token.Special;

    private List<int> Wrap(List<int> ids)
    {
        if (_wrapping.Prefix.Length == 0 && _wrapping.Suffix.Length == 0) return ids;
        var wrapped = new List<int>(ids.Count + _wrapping.Prefix.Length + _wrapping.Suffix.Length);
        wrapped.AddRange(_wrapping.Prefix);
        wrapped.AddRange(ids);
        wrapped.AddRange(_wrapping.Suffix);
        return wrapped;
    }

    /// <param name="text">The text.</param>
    /// <param name="allowRaw">Whether a match of a non-normalized added token at [start, end) of the text becomes the token.</param>
    /// <param name="allowNormalized">The same for normalized added tokens; offsets are those of the text when there is no normalizer.</param>
    private List<int> EncodeCore(string text, Func<AddedToken, int, int, bool> allowRaw, Func<AddedToken, int, int, bool> allowNormalized)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        var segments = new List<TextSegment>();
        _rawMatcher.Split(text, 0, text.Length, allowRaw, segments);
        var inner = new List<TextSegment>();
        foreach (var segment in segments)
        {
            if (segment.IsToken) { ids.Add(segment.TokenId); continue; }
            var piece = text[segment.Start..segment.End];
            var normalized = _normalizer?.Normalize(piece) ?? piece;
            if (normalized.Length == 0) continue;
            inner.Clear();
            int offset = segment.Start;
            _normalizedMatcher.Split(normalized, 0, normalized.Length, (t, s, e) => allowNormalized(t, s + offset, e + offset), inner);
            foreach (var sub in inner)
            {
                if (sub.IsToken) { ids.Add(sub.TokenId); continue; }
                var subText = sub.Start == 0 && sub.End == normalized.Length ? normalized : normalized[sub.Start..sub.End];
                List<PreTokenPiece> pieces = [new PreTokenPiece(subText, segment.Start == 0 && sub.Start == 0)];
                if (_preTokenizer is not null) pieces = _preTokenizer.PreTokenize(pieces);
                foreach (var p in pieces) _model.Tokenize(p.Text, ids);
            }
        }
        return ids;
    }

    private int? ResolveConfigured(string? token, string field)
    {
        if (token is null) return null;
        return TokenToId(token) is int id
            ? id
            : throw new ModelFormatException(_source.ConfigPath, field, $"token '{token}' is not in the vocabulary");
    }

    private static string ReplaceLoneSurrogates(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            var sb = new StringBuilder(text.Length);
            foreach (var rune in text.EnumerateRunes()) sb.Append(rune.ToString());
            return sb.ToString();
        }
        return text;
    }
}
