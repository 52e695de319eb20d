using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Aligner.Server.Tests;

/// <summary>The optional caller key, the upstream key, and that neither ever reaches the logs.</summary>
public sealed class AuthTests
{
    private const string ProxyKey = "proxy-key-3f9a1c";
    private const string UpstreamKey = "upstream-key-77b2e0";

    [Fact]
    public void KeyCheck_AcceptsOnlyTheExactBearerKey()
    {
        var check = new ApiKeyCheck(ProxyKey);
        Assert.True(check.Allows("Bearer " + ProxyKey));
        Assert.True(check.Allows("bearer " + ProxyKey));
        Assert.False(check.Allows(null));
        Assert.False(check.Allows(""));
        Assert.False(check.Allows(ProxyKey));
        Assert.False(check.Allows("Bearer " + ProxyKey + "x"));
        Assert.False(check.Allows("Bearer " + ProxyKey[..^1]));
        Assert.False(check.Allows("Basic " + ProxyKey));
    }

    [Fact]
    public async Task CallerKeyIsRequired_UpstreamGetsItsOwnKey_AndNoKeyIsLogged()
    {
        var logs = new ConcurrentQueue<string>();
        await using var proxy = await ProxyHost.StartAsync(
            u => new ProxyServerOptions { Upstream = u, Port = 0, ApiKey = ProxyKey, UpstreamApiKey = UpstreamKey },
            ProxyHost.DemoCorrector,
            logging: l => l.AddProvider(new CollectingLoggerProvider(logs)).SetMinimumLevel(LogLevel.Trace));

        const string body = """{"model":"gpt-test","messages":[{"role":"user","content":"What is the capital of France?"}]}""";
        using (var missing = await proxy.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
            Assert.Contains("invalid_api_key", await missing.Content.ReadAsStringAsync());
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") })
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ProxyKey + "0");
            using var response = await proxy.Http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using (var models = await proxy.Http.GetAsync("/v1/models"))
            Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
        using (var health = await proxy.Http.GetAsync("/healthz"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode); // probes need no key

        var answer = await proxy.ChatClient(key: ProxyKey).GetResponseAsync([new ChatMessage(ChatRole.User, "What is the capital of France?")]);
        Assert.False(string.IsNullOrWhiteSpace(answer.Text));

        var (_, authorization) = Assert.Single(proxy.Upstream!.Requests);
        Assert.Equal("Bearer " + UpstreamKey, authorization);
        Assert.NotEmpty(logs);
        Assert.DoesNotContain(logs, line => line.Contains(ProxyKey, StringComparison.Ordinal) || line.Contains(UpstreamKey, StringComparison.Ordinal));
    }

    private sealed class CollectingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}
