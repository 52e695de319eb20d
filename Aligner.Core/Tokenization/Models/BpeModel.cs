using System.Collections.Concurrent;
using System.Text;

namespace Aligner.Tokenization.Models;

/// <summary>
/// The BPE model of <c>tokenizer.json</c>: splits a pre-tokenized word into characters and applies merges by rank,
/// lowest first (leftmost on ties), like Hugging Face's <c>BPE::merge_word</c>. Characters missing from the
/// vocabulary become <c>&lt;0xNN&gt;</c> byte tokens (byte fallback) or the unknown token.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheCapacity = 100_000;
    private const int LongestCachedWord = 256;

    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly int? _unkId;
    private readonly bool _fuseUnknown;
    private readonly int[]? _byteFallbackIds;
    private readonly bool _ignoreMerges;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private int _cacheCount;

    private readonly string _continuingSubwordPrefix;
    private readonly string _endOfWordSuffix;

    /// <param name="vocabulary">Token strings and their ids.</param>
    /// <param name="merges">Merges keyed by <see cref="PairKey"/>: their rank and the merged token's id.</param>
    /// <param name="unkId">The unknown token, for characters outside the vocabulary without byte fallback.</param>
    /// <param name="fuseUnknown">Consecutive unknown characters become one unknown token.</param>
    /// <param name="byteFallback">Characters outside the vocabulary become their UTF-8 byte tokens.</param>
    /// <param name="ignoreMerges">A word that is itself in the vocabulary is one token, whatever the merges.</param>
    /// <param name="continuingSubwordPrefix">Put in front of every character but a word's first (e.g. <c>##</c>).</param>
    /// <param name="endOfWordSuffix">Put after a word's last character (e.g. <c>&lt;/w&gt;</c>).</param>
    public BpeModel(Dictionary<string, int> vocabulary, Dictionary<long, (int Rank, int NewId)> merges, int? unkId, bool fuseUnknown, bool byteFallback, bool ignoreMerges,
        string continuingSubwordPrefix = "", string endOfWordSuffix = "")
    {
        _continuingSubwordPrefix = continuingSubwordPrefix;
        _endOfWordSuffix = endOfWordSuffix;
        _vocabulary = vocabulary;
        _lookup = vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        _merges = merges;
        _unkId = unkId;
        _fuseUnknown = fuseUnknown;
        _ignoreMerges = ignoreMerges;
        if (byteFallback)
        {
            var ids = new int[256];
            bool complete = true;
            for (int b = 0; b < 256 && complete; b++)
                complete = vocabulary.TryGetValue(ByteToken(b), out ids[b]);
            _byteFallbackIds = complete ? ids : null;
        }
    }

    public IReadOnlyDictionary<string, int> Vocabulary => _vocabulary;

    /// <summary>The unknown token's id, if the model has one.</summary>
    public int? UnknownId => _unkId;

    /// <summary>The merges in rank order: the left and right token ids and the merged token's id.</summary>
    public IEnumerable<(int Left, int Right, int NewId)> MergesInRankOrder() =>
        _merges.OrderBy(m => m.Value.Rank).Select(m => ((int)(m.Key >> 32), (int)(uint)m.Key, m.Value.NewId));

    /// <summary>The byte-fallback token name of a byte, e.g. <c>&lt;0x0A&gt;</c>.</summary>
    public static string ByteToken(int b) => $"<0x{b:X2}>";

    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Appends the ids of one pre-tokenized word.</summary>
    public void Tokenize(string word, List<int> output)
    {
        if (word.Length == 0) return;
        if (_cache.TryGetValue(word, out var cached)) { output.AddRange(cached); return; }
        int[] ids;
        if (_ignoreMerges && _vocabulary.TryGetValue(word, out var whole)) ids = [whole];
        else ids = MergeWord(word);
        if (word.Length <= LongestCachedWord)
        {
            if (Interlocked.Increment(ref _cacheCount) > CacheCapacity)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cacheCount, 0);
            }
            _cache.TryAdd(word, ids);
        }
        output.AddRange(ids);
    }

    private string Affixed(ReadOnlySpan<char> symbol, bool first, bool last) =>
        string.Concat(first ? "" : _continuingSubwordPrefix, symbol, last ? _endOfWordSuffix : "");

    private int[] MergeWord(string word)
    {
        // Symbols as a doubly linked list over an array.
        var ids = new List<int>(word.Length);
        Span<byte> utf8 = stackalloc byte[4];
        bool previousUnknown = false;
        for (int i = 0; i < word.Length;)
        {
            int length = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var symbol = word.AsSpan(i, length);
            bool first = i == 0;
            i += length;
            // Hugging Face looks up (and falls back to the bytes of) the character with its affixes.
            string? affixed = _continuingSubwordPrefix.Length == 0 && _endOfWordSuffix.Length == 0 ? null : Affixed(symbol, first, i == word.Length);
            if (affixed is null ? _lookup.TryGetValue(symbol, out var id) : _vocabulary.TryGetValue(affixed, out id))
            {
                ids.Add(id);
                previousUnknown = false;
            }
            else if (_byteFallbackIds is not null)
            {
                if (affixed is null)
                {
                    int count = Encoding.UTF8.GetBytes(symbol, utf8);
                    foreach (var b in utf8[..count]) ids.Add(_byteFallbackIds[b]);
                }
                else foreach (var b in Encoding.UTF8.GetBytes(affixed)) ids.Add(_byteFallbackIds[b]);
                previousUnknown = false;
            }
            else if (_unkId is int unk)
            {
                if (!(_fuseUnknown && previousUnknown)) ids.Add(unk);
                previousUnknown = true;
            }
        }
        int n = ids.Count;
        if (n < 2) return [.. ids];

        var symbolIds = ids.ToArray();
        var prev = new int[n];
        var next = new int[n];
        var alive = new bool[n];
        for (int i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; alive[i] = true; }

        var queue = new PriorityQueue<(int Position, int Rank, int NewId), (int Rank, int Position)>();
        for (int i = 0; i + 1 < n; i++)
            if (_merges.TryGetValue(PairKey(symbolIds[i], symbolIds[i + 1]), out var m))
                queue.Enqueue((i, m.Rank, m.NewId), (m.Rank, i));

        while (queue.TryDequeue(out var top, out _))
        {
            int left = top.Position;
            if (!alive[left]) continue;
            int right = next[left];
            if (right < 0) continue;
            if (!_merges.TryGetValue(PairKey(symbolIds[left], symbolIds[right]), out var current) || current.Rank != top.Rank || current.NewId != top.NewId)
                continue;

            symbolIds[left] = top.NewId;
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;

            if (prev[left] >= 0 && _merges.TryGetValue(PairKey(symbolIds[prev[left]], symbolIds[left]), out var before))
                queue.Enqueue((prev[left], before.Rank, before.NewId), (before.Rank, prev[left]));
            if (next[left] >= 0 && _merges.TryGetValue(PairKey(symbolIds[left], symbolIds[next[left]]), out var after))
                queue.Enqueue((left, after.Rank, after.NewId), (after.Rank, left));
        }

        var result = new List<int>(n);
        for (int i = 0; i >= 0; i = next[i]) result.Add(symbolIds[i]);
        return [.. result];
    }
}
