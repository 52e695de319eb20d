namespace Aligner.Tokenization;

/// <summary>
/// Streams decoded text: it decodes the pending tokens together with the last token already emitted (so that
/// decoders which strip a leading space see the same context as a full decode), and holds text back while it ends
/// in an incomplete UTF-8 sequence (U+FFFD). Each step decodes only a few tokens, so streaming is linear.
/// </summary>
internal sealed class IncrementalDecoder(ITextTokenizer tokenizer, bool skipSpecialTokens) : IIncrementalDecoder
{
    private readonly List<int> _window = [];
    private string _emittedPrefix = "";

    public string Append(int id)
    {
        if (skipSpecialTokens && tokenizer.IsSpecialToken(id)) return "";
        _window.Add(id);
        var text = tokenizer.Decode(_window, skipSpecialTokens);
        if (text.Length <= _emittedPrefix.Length || text.EndsWith('\uFFFD') || !text.StartsWith(_emittedPrefix, StringComparison.Ordinal))
            return "";
        var delta = text[_emittedPrefix.Length..];
        _window.RemoveRange(0, ContextStart());
        _emittedPrefix = tokenizer.Decode(_window, skipSpecialTokens);
        return delta;
    }

    /// <summary>
    /// Where the context kept for the next step begins: the last token, or, when it is a byte-fallback continuation
    /// byte, the byte tokens back to the start of its character (a run of byte tokens decodes as a whole).
    /// </summary>
    private int ContextStart()
    {
        int start = _window.Count - 1;
        while (start > 0 && IsByteToken(_window[start], out var b) && (b & 0xC0) == 0x80) start--;
        return start;
    }

    private bool IsByteToken(int id, out byte value)
    {
        value = 0;
        return tokenizer.IdToToken(id) is string token && Decoders.ByteFallbackDecoder.TryParseByte(token, out value);
    }

    public string Flush()
    {
        var text = tokenizer.Decode(_window, skipSpecialTokens);
        var delta = text.Length > _emittedPrefix.Length && text.StartsWith(_emittedPrefix, StringComparison.Ordinal)
            ? text[_emittedPrefix.Length..]
            : "";
        _window.Clear();
        _emittedPrefix = "";
        return delta;
    }
}
