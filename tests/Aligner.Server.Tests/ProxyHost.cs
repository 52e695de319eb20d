using System.ClientModel;
using System.ClientModel.Primitives;
using Aligner.Server.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace Aligner.Server.Tests;

/// <summary>A proxy started on 127.0.0.1:0 in front of a fake upstream, with the corrector a test chooses.</summary>
internal sealed class ProxyHost : IAsyncDisposable
{
    /// <summary>The shipped default corrector.</summary>
    public static string DemoModelFolder { get; } = Path.Combine(FindRoot(), "samples", "models", "aligner-demo");

    public static Action<IAlignerBuilder> DemoCorrector => b => b.AddTorchBackend(DemoModelFolder);

    /// <summary>Greedy and short: deterministic corrections, fast on two cores.</summary>
    public static void Greedy(AlignerOptions o) => o.Generation = GenerationOptions.Greedy with { MaxNewTokens = 64 };

    private ProxyHost(WebApplication app, FakeUpstream? upstream)
    {
        App = app;
        Upstream = upstream;
        BaseUri = AlignerProxyServer.ListeningUri(app);
        Http = new HttpClient { BaseAddress = BaseUri };
    }

    public WebApplication App { get; }
    public FakeUpstream? Upstream { get; }
    public Uri BaseUri { get; }
    public HttpClient Http { get; }

    public static async Task<ProxyHost> StartAsync(Func<Uri, ProxyServerOptions> options, Action<IAlignerBuilder> corrector,
        Action<AlignerOptions>? aligner = null, Action<ILoggingBuilder>? logging = null, Uri? upstreamUri = null)
    {
        FakeUpstream? upstream = upstreamUri is null ? await FakeUpstream.StartAsync() : null;
        var app = AlignerProxyServer.Create(options(upstreamUri ?? upstream!.BaseUri), corrector, aligner ?? Greedy, logging ?? (l => { }));
        await app.StartAsync();
        return new ProxyHost(app, upstream);
    }

    /// <summary>Microsoft.Extensions.AI.OpenAI's chat client, pointed at the proxy (no retries).</summary>
    public IChatClient ChatClient(string model = "gpt-test", string key = "caller-key") =>
        new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(BaseUri, "v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        }).AsIChatClient();

    public IAligner Aligner => App.Services.GetRequiredService<IAligner>();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.DisposeAsync();
        if (Upstream is not null) await Upstream.DisposeAsync();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Aligner.sln"))) return dir.FullName;
        throw new InvalidOperationException("Aligner.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>One proxy with the real demo corrector, shared by the tests of a class.</summary>
public sealed class DemoProxyFixture : IAsyncLifetime
{
    internal ProxyHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ProxyHost.StartAsync(
        upstream => new ProxyServerOptions { Upstream = upstream, Port = 0, MaxRequestBodyBytes = 64 * 1024 },
        ProxyHost.DemoCorrector);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
