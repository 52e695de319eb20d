using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;

namespace Aligner.Server;

/// <summary>A corrector served elsewhere, so that many light proxy replicas share one corrector server.</summary>
public static class RemoteCorrector
{
    /// <summary>
    /// Uses an Aligner checkpoint served by an OpenAI-compatible server (vLLM, llama.cpp's server, Ollama) as the aligner's
    /// model, through <c>AddChatClientBackend</c>. The server must pass the prompt through unchanged (see
    /// <see cref="ChatClientCorrectionModel"/> for the chat-template settings). Failed calls are not retried: the pipeline
    /// returns the original answer flagged <c>backend_error</c> at once.
    /// </summary>
    /// <param name="builder">The aligner builder.</param>
    /// <param name="baseUrl">The server's base URL, e.g. <c>http://vllm-host:8000/v1</c>.</param>
    /// <param name="model">The served model's name.</param>
    /// <param name="apiKey">The server's key, if it has one.</param>
    public static IAlignerBuilder AddOpenAiCompatibleCorrector(this IAlignerBuilder builder, Uri baseUrl, string model, string? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        IChatClient client = new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(apiKey ?? "none"),
            new OpenAIClientOptions { Endpoint = baseUrl, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) }).AsIChatClient();
        return builder.AddChatClientBackend(client, o => o.ModelId = model);
    }
}
