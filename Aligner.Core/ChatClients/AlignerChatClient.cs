using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Aligner;

/// <summary>
/// Chat-client middleware that corrects the final assistant answer of an inner <see cref="IChatClient"/> with an
/// <see cref="IAligner"/>. Add it with <c>ChatClientBuilder.UseAligner()</c>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Only the text of the final assistant message is corrected: its <see cref="TextContent"/> items are replaced by
/// one <see cref="TextContent"/> holding the correction, at the position of the first. Every other content (tool calls
/// and results, reasoning, usage, data), every other message, and the ids, usage, finish reason and model id of the
/// response stay as the inner client returned them. The corrected message carries <c>aligner.changed</c>,
/// <c>aligner.fallback_reason</c> and <c>aligner.model</c> in its <see cref="ChatMessage.AdditionalProperties"/>.</item>
/// <item>The question is <see cref="QuestionSelector"/>'s answer, by default the text of the last user message of the
/// request. In a multi-turn chat the corrector therefore sees only the latest question and the new answer, not the
/// earlier turns: the released Aligner checkpoints were trained on single question-answer pairs. Supply your own selector
/// to fold history into the question. When there is no user text, or no assistant text, the response passes through.</item>
/// <item>The caller's messages and <see cref="ChatOptions"/> are passed on untouched and never modified.</item>
/// <item>A request for JSON output (<see cref="ChatOptions.ResponseFormat"/> is a <see cref="ChatResponseFormatJson"/>) is not
/// corrected: the corrector writes prose and would break the structure the caller asked for.</item>
/// <item>Streaming: the corrector needs the whole answer, so the inner stream is buffered; its updates are then replayed
/// with the final assistant message's text left out, and the correction is streamed in its place (after that message's
/// last text update, before any later update such as the one carrying the finish reason) as updates carrying that
/// message's response id, message id, role, conversation id, model id and creation time. If the aligner restarts its
/// stream (a later stacking round, or a fallback to the original answer after text was sent), the update that starts the
/// new text carries <c>aligner.reset = true</c> in its <see cref="ChatResponseUpdate.AdditionalProperties"/>; set
/// <see cref="BufferStreamedCorrection"/> to send the finished correction as a single update instead.</item>
/// </list>
/// </remarks>
public sealed class AlignerChatClient : DelegatingChatClient
{
    /// <summary>Key of the additional property set on a streamed update that restarts the correction text.</summary>
    public const string ResetProperty = "aligner.reset";

    private readonly Lazy<IAligner> _aligner;

    /// <summary>Wraps <paramref name="innerClient"/>; its answers are corrected by <paramref name="aligner"/>.</summary>
    public AlignerChatClient(IChatClient innerClient, IAligner aligner)
        : this(innerClient, new Lazy<IAligner>(aligner ?? throw new ArgumentNullException(nameof(aligner))))
    {
    }

    internal AlignerChatClient(IChatClient innerClient, Lazy<IAligner> aligner) : base(innerClient) => _aligner = aligner;

    /// <summary>The aligner (resolved on first use when the client was built by <c>UseAligner()</c>).</summary>
    public IAligner Aligner => _aligner.Value;

    /// <summary>Picks the question from the request's messages; <see langword="null"/> skips correction. Default <see cref="LastUserText"/>.</summary>
    public Func<IReadOnlyList<ChatMessage>, string?> QuestionSelector { get; set; } = LastUserText;

    /// <summary>When streaming, send the finished correction as one update instead of streaming it. Default <see langword="false"/>.</summary>
    public bool BufferStreamedCorrection { get; set; }

    /// <summary>The text of the last user message that has text, or <see langword="null"/>.</summary>
    public static string? LastUserText(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (int i = messages.Count - 1; i >= 0; i--)
            if (messages[i].Role == ChatRole.User && !string.IsNullOrWhiteSpace(messages[i].Text)) return messages[i].Text;
        return null;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var response = await base.GetResponseAsync(request, options, cancellationToken).ConfigureAwait(false);
        if (options?.ResponseFormat is ChatResponseFormatJson) return response;
        int index = FinalAssistantIndex(response.Messages);
        var question = QuestionSelector(request);
        if (index < 0 || string.IsNullOrWhiteSpace(question)) return response;
        var message = response.Messages[index];
        var answer = message.Text;
        if (string.IsNullOrWhiteSpace(answer)) return response;
        var result = await Aligner.CorrectAsync(new CorrectionRequest(question, answer), cancellationToken).ConfigureAwait(false);
        response.Messages[index] = WithCorrectedText(message, result);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(request, options, cancellationToken).ConfigureAwait(false))
            updates.Add(update);

        var (first, last) = FinalAssistantSegment(updates);
        var question = QuestionSelector(request);
        string answer = first < 0 ? "" : string.Concat(updates.Skip(first).Take(last - first + 1).Where(IsAssistant).Select(u => u.Text));
        if (first < 0 || string.IsNullOrWhiteSpace(question) || string.IsNullOrWhiteSpace(answer) || options?.ResponseFormat is ChatResponseFormatJson)
        {
            foreach (var update in updates) yield return update;
            yield break;
        }

        var template = updates.Skip(first).Take(last - first + 1).Where(IsAssistant).Last(u => u.Contents.OfType<TextContent>().Any());
        for (int i = 0; i <= last; i++)
            yield return i >= first && IsAssistant(updates[i]) ? WithoutText(updates[i]) : updates[i];

        var correction = new CorrectionRequest(question, answer);
        if (BufferStreamedCorrection)
        {
            var result = await Aligner.CorrectAsync(correction, cancellationToken).ConfigureAwait(false);
            yield return TextUpdate(template, result.CorrectedAnswer, reset: false);
        }
        else
        {
            bool sent = false;
            await foreach (var update in Aligner.CorrectStreamingAsync(correction, cancellationToken).ConfigureAwait(false))
            {
                if (update.TextDelta.Length == 0 && !(update.Reset && sent)) continue;
                yield return TextUpdate(template, update.TextDelta, reset: update.Reset && sent);
                sent = true;
            }
        }
        for (int i = last + 1; i < updates.Count; i++) yield return updates[i];
    }

    private static int FinalAssistantIndex(IList<ChatMessage> messages)
    {
        for (int i = messages.Count - 1; i >= 0; i--)
            if (messages[i].Role == ChatRole.Assistant) return i;
        return -1;
    }

    private static bool IsAssistant(ChatResponseUpdate update) => update.Role is null || update.Role == ChatRole.Assistant;

    /// <summary>
    /// The updates of the last assistant message with text, found as <c>ToChatResponse</c> groups them (a new message
    /// starts when the message id or the role changes), from its first update to its last text update.
    /// Returns (-1, -1) when there is none.
    /// </summary>
    private static (int First, int Last) FinalAssistantSegment(List<ChatResponseUpdate> updates)
    {
        int first = -1, last = -1, segmentStart = 0;
        string? messageId = null;
        ChatRole? role = null;
        for (int i = 0; i < updates.Count; i++)
        {
            var u = updates[i];
            bool newMessage = i > 0 && ((u.MessageId is { Length: > 0 } id && messageId is not null && id != messageId) || (u.Role is { } r && role is { } current && r != current));
            if (newMessage) segmentStart = i;
            if (u.MessageId is { Length: > 0 }) messageId = u.MessageId;
            if (u.Role is not null) role = u.Role;
            if ((role ?? ChatRole.Assistant) == ChatRole.Assistant && u.Contents.OfType<TextContent>().Any())
            {
                if (first != segmentStart) first = segmentStart;
                last = i;
            }
        }
        return (first, last);
    }

    private static ChatResponseUpdate WithoutText(ChatResponseUpdate update)
    {
        if (!update.Contents.OfType<TextContent>().Any()) return update;
        var clone = update.Clone();
        clone.Contents = [.. update.Contents.Where(c => c is not TextContent)];
        return clone;
    }

    private static ChatResponseUpdate TextUpdate(ChatResponseUpdate template, string text, bool reset)
    {
        var update = new ChatResponseUpdate(ChatRole.Assistant, text)
        {
            AuthorName = template.AuthorName,
            ResponseId = template.ResponseId,
            MessageId = template.MessageId,
            ConversationId = template.ConversationId,
            ModelId = template.ModelId,
            CreatedAt = template.CreatedAt,
        };
        if (reset) update.AdditionalProperties = new AdditionalPropertiesDictionary { [ResetProperty] = true };
        return update;
    }

    private static ChatMessage WithCorrectedText(ChatMessage message, CorrectionResult result)
    {
        var contents = new List<AIContent>(message.Contents.Count);
        bool placed = false;
        foreach (var content in message.Contents)
        {
            if (content is not TextContent text) { contents.Add(content); continue; }
            if (placed) continue;
            contents.Add(new TextContent(result.CorrectedAnswer) { AdditionalProperties = text.AdditionalProperties });
            placed = true;
        }
        var properties = message.AdditionalProperties?.Clone() ?? [];
        properties["aligner.changed"] = result.Changed;
        properties["aligner.fallback_reason"] = result.FallbackReason.ToString();
        properties["aligner.model"] = result.ModelId;
        return new ChatMessage(message.Role, contents)
        {
            AuthorName = message.AuthorName,
            MessageId = message.MessageId,
            CreatedAt = message.CreatedAt,
            RawRepresentation = message.RawRepresentation,
            AdditionalProperties = properties,
        };
    }
}
