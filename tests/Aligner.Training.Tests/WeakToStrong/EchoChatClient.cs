using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Aligner.Training.Tests.WeakToStrong;

/// <summary>An upstream model that answers the last user message with a function of it.</summary>
internal sealed class EchoChatClient(Func<string, string> answer) : IChatClient
{
    public ConcurrentQueue<string> Questions { get; } = new();

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var question = messages.Last(m => m.Role == ChatRole.User).Text;
        Questions.Enqueue(question);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer(question))));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates()) yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}
