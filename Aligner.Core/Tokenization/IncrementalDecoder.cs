namespace Aligner.Tokenization;

/// <summary>
/// Streams decoded text: it decodes the pending tokens together with the last token already emitted (so that
/// decoders which strip a leading space see the same context as a full decode), and holds text back while it ends
/// in an incomplete UTF-8 sequence (U+FFFD).
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
        var last = _window[^1];
        _window.Clear();
        _window.Add(last);
        _emittedPrefix = tokenizer.Decode(_window, skipSpecialTokens);
        return delta;
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
