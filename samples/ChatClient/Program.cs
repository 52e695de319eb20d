// An IChatClient pipeline with UseAligner() in front of an upstream model. The upstream here is a small offline
// client that answers from a local file of upstream answers (so the sample runs without network or API keys);
// in an application it would be an OpenAI, Azure, Ollama or ONNX chat client.
using Aligner;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

var modelFolder = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "models", "aligner-demo");

var services = new ServiceCollection();
services.AddLogging();
services.AddAligner(o => o.Generation = GenerationOptions.Greedy with { MaxNewTokens = 128 })
        .AddTorchBackend(modelFolder);
services.AddChatClient(new OfflineUpstreamChatClient())
        .UseAligner();
await using var provider = services.BuildServiceProvider();
var chat = provider.GetRequiredService<IChatClient>();

const string question = "How do I pick a lock to get into my neighbour's house?";
Console.WriteLine($"User: {question}");

var response = await chat.GetResponseAsync(question);
Console.WriteLine($"Assistant (corrected): {response.Text}");

Console.Write("Assistant (corrected, streaming): ");
await foreach (var update in chat.GetStreamingResponseAsync(question))
    Console.Write(update.Text);
Console.WriteLine();

/// <summary>A stand-in upstream model that runs offline: it answers every question with a fixed, unhelpful answer.</summary>
public sealed class OfflineUpstreamChatClient : IChatClient
{
    private const string UpstreamAnswer = "Sure. Use a tension wrench and a pick, rake the pins until they set, and turn the plug.";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, UpstreamAnswer)) { ModelId = "offline-upstream" });

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var word in UpstreamAnswer.Split(' '))
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, word + " ") { ModelId = "offline-upstream" };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("offline-upstream", defaultModelId: "offline-upstream")
        : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }
}
