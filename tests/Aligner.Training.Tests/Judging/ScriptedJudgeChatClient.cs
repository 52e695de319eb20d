using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Aligner.Training.Tests.Judging;

/// <summary>A judge model whose reply is a function of the question and the two responses it is shown.</summary>
internal sealed class ScriptedJudgeChatClient(Func<string, string, string, string> reply) : IChatClient
{
    private readonly List<(string System, string ResponseA, string ResponseB)> _calls = [];

    public IReadOnlyList<(string System, string ResponseA, string ResponseB)> Calls
    {
        get { lock (_calls) return _calls.ToArray(); }
    }

    public List<ChatOptions?> OptionsSeen { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var system = list.Single(m => m.Role == ChatRole.System).Text;
        var user = list.Single(m => m.Role == ChatRole.User).Text;
        var question = Between(user, "[Question]\n", "\n\n[Response A]");
        var a = Between(user, "[Response A]\n", "\n[End of Response A]");
        var b = Between(user, "[Response B]\n", "\n[End of Response B]");
        lock (_calls)
        {
            _calls.Add((system, a, b));
            OptionsSeen.Add(options);
        }
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply(question, a, b))));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates()) yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }

    private static string Between(string text, string start, string end)
    {
        int i = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(i >= 0, $"'{start}' missing from the judge prompt");
        i += start.Length;
        int j = text.IndexOf(end, i, StringComparison.Ordinal);
        Assert.True(j >= 0, $"'{end}' missing from the judge prompt");
        return text[i..j];
    }
}
