using Aligner.Tokenization;

namespace Aligner.Core.Tests.Support;

/// <summary>A fake tokenizer for generation-loop tests: id = character code (32..126 and '\n'); 0 pad, 1 BOS, 2 EOS.</summary>
internal sealed class CharTokenizer : ITextTokenizer
{
    public const int Pad = 0, Bos = 1, Eos = 2;

    public int VocabularySize => 128;
    public int? BosTokenId => Bos;
    public int? EosTokenId => Eos;
    public int? PadTokenId => Pad;
    public int? UnkTokenId => null;
    public bool AddsBosToken => true;
    public bool AddsEosToken => false;

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true, bool parseSpecialTokens = false)
    {
        var ids = new List<int>();
        if (addSpecialTokens) ids.Add(Bos);
        foreach (char c in text)
        {
            if (c != '\n' && (c < 32 || c > 126)) throw new ArgumentException($"CharTokenizer cannot encode U+{(int)c:X4}.");
            ids.Add(c);
        }
        return ids;
    }

    public IReadOnlyList<int> EncodePrompt(CorrectionPrompt prompt, bool addSpecialTokens = true) => Encode(prompt.Text, addSpecialTokens);

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
        => new([.. ids.Where(i => !skipSpecialTokens || i > Eos).Select(i => (char)i)]);

    public IIncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = true) => new Incremental(this, skipSpecialTokens);

    public int CountTokens(string text) => text.Length;
    public bool IsSpecialToken(int id) => id <= Eos;
    public string? IdToToken(int id) => id is >= 0 and < 128 ? ((char)id).ToString() : null;
    public int? TokenToId(string token) => token.Length == 1 && token[0] < 128 ? token[0] : null;

    private sealed class Incremental(CharTokenizer tokenizer, bool skip) : IIncrementalDecoder
    {
        public string Append(int id) => tokenizer.Decode([id], skip);
        public string Flush() => "";
    }
}
