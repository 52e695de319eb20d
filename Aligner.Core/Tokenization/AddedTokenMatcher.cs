namespace Aligner.Tokenization;

/// <summary>A piece of text after added tokens are split out: a span of the text, and the added token's id when it is one.</summary>
internal readonly record struct TextSegment(int Start, int End, int TokenId)
{
    public bool IsToken => TokenId >= 0;
}

/// <summary>
/// Finds added tokens in text the way Hugging Face's <c>AddedVocabulary</c> does: leftmost-longest, non-overlapping
/// matches; a match that is not allowed (a special token while special-token parsing is off) stays plain text.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private sealed class Node
    {
        public Dictionary<char, Node>? Next;
        public AddedToken? Token;
    }

    private readonly Node _root = new();

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        foreach (var token in tokens)
        {
            if (token.Content.Length == 0) continue;
            var node = _root;
            foreach (var c in token.Content)
            {
                node.Next ??= [];
                if (!node.Next.TryGetValue(c, out var child)) node.Next[c] = child = new Node();
                node = child;
            }
            node.Token = token;
        }
        IsEmpty = _root.Next is null;
    }

    public bool IsEmpty { get; }

    /// <summary>
    /// Splits text[start..end) into plain-text and token segments, appended to output; <paramref name="allow"/> says
    /// whether a match of a token over a span of the text may become that token.
    /// </summary>
    public void Split(string text, int start, int end, Func<AddedToken, int, int, bool> allow, List<TextSegment> output)
    {
        int textStart = start;
        int i = start;
        while (i < end && !IsEmpty)
        {
            var (token, matchEnd) = LongestMatchAt(text, i, end);
            if (token is null) { i++; continue; }
            int s = i, e = matchEnd;
            i = matchEnd;
            if (!allow(token, s, e)) continue;
            if (token.SingleWord && ((s > start && IsWordChar(text[s - 1])) || (e < end && IsWordChar(text[e])))) continue;
            if (token.LeftStrip)
                while (s > textStart && char.IsWhiteSpace(text[s - 1])) s--;
            if (token.RightStrip)
                while (e < end && char.IsWhiteSpace(text[e])) e++;
            if (s > textStart) output.Add(new TextSegment(textStart, s, -1));
            output.Add(new TextSegment(s, e, token.Id));
            textStart = e;
            i = e;
        }
        if (end > textStart) output.Add(new TextSegment(textStart, end, -1));
    }

    private (AddedToken? Token, int End) LongestMatchAt(string text, int position, int end)
    {
        AddedToken? best = null;
        int bestEnd = position;
        var node = _root;
        for (int j = position; j < end; j++)
        {
            if (node.Next is null || !node.Next.TryGetValue(text[j], out node)) break;
            if (node.Token is not null) { best = node.Token; bestEnd = j + 1; }
        }
        return (best, bestEnd);
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
