using Aligner;
using Microsoft.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a <see cref="ChatClientCorrectionModel"/>: a corrector served elsewhere, reached through an <see cref="IChatClient"/>.</summary>
public static class ChatClientBackendExtensions
{
    /// <summary>Uses <paramref name="client"/> (e.g. an OpenAI-compatible client pointed at a vLLM server hosting an Aligner checkpoint) as the corrector.</summary>
    public static IAlignerBuilder AddChatClientBackend(this IAlignerBuilder builder, IChatClient client, Action<ChatClientCorrectionModelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return builder.AddChatClientBackend(_ => client, configure);
    }

    /// <summary>
    /// Uses the chat client made by <paramref name="clientFactory"/> as the corrector. Do not return the application's
    /// own <see cref="IChatClient"/> if it is wrapped with <c>UseAligner()</c>: the aligner would correct its own corrections.
    /// </summary>
    public static IAlignerBuilder AddChatClientBackend(this IAlignerBuilder builder, Func<IServiceProvider, IChatClient> clientFactory, Action<ChatClientCorrectionModelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(clientFactory);
        return builder.UseCorrectionModel(sp =>
        {
            var options = new ChatClientCorrectionModelOptions();
            configure?.Invoke(options);
            return new ChatClientCorrectionModel(clientFactory(sp) ?? throw new InvalidOperationException("The chat-client factory of AddChatClientBackend returned null."), options);
        });
    }

    /// <summary>Uses the keyed <see cref="IChatClient"/> registered under <paramref name="chatClientKey"/> (e.g. by <c>services.AddKeyedChatClient(key, ...)</c>) as the corrector.</summary>
    public static IAlignerBuilder AddChatClientBackend(this IAlignerBuilder builder, object chatClientKey, Action<ChatClientCorrectionModelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(chatClientKey);
        return builder.AddChatClientBackend(sp => sp.GetRequiredKeyedService<IChatClient>(chatClientKey), configure);
    }
}
