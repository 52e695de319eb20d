using Aligner;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="AlignerChatClient"/> to a chat-client pipeline.</summary>
public static class AlignerChatClientBuilderExtensions
{
    /// <summary>
    /// Corrects the inner client's final assistant answers with an aligner (see <see cref="AlignerChatClient"/>).
    /// </summary>
    /// <param name="builder">The chat-client builder.</param>
    /// <param name="aligner">The aligner; <see langword="null"/> resolves <see cref="IAligner"/> from the builder's service
    /// provider on first use (register one with <c>services.AddAligner(...)</c>).</param>
    /// <param name="configure">Adjusts the middleware (question selection, streaming).</param>
    public static ChatClientBuilder UseAligner(this ChatClientBuilder builder, IAligner? aligner = null, Action<AlignerChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var lazy = aligner is not null ? new Lazy<IAligner>(aligner) : new Lazy<IAligner>(() => services.GetService<IAligner>()
                ?? throw new InvalidOperationException("UseAligner() found no IAligner in the service provider. Register one with services.AddAligner(...) and a backend, or pass an aligner to UseAligner."));
            var client = new AlignerChatClient(inner, lazy);
            configure?.Invoke(client);
            return client;
        });
    }

    /// <summary>Corrects the inner client's final assistant answers with the named aligner registered by <c>services.AddAligner(name, ...)</c>.</summary>
    public static ChatClientBuilder UseKeyedAligner(this ChatClientBuilder builder, string name, Action<AlignerChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Use((inner, services) =>
        {
            var client = new AlignerChatClient(inner, new Lazy<IAligner>(() => services.GetKeyedService<IAligner>(name)
                ?? throw new InvalidOperationException($"UseKeyedAligner found no aligner named '{name}'. Register it with services.AddAligner(\"{name}\", ...) and a backend.")));
            configure?.Invoke(client);
            return client;
        });
    }
}
