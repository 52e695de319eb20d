using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Aligner.Server.Tests.ChatCompletionsTests;

namespace Aligner.Server.Tests;

/// <summary>
/// The bounded queue and the per-request correction timeout. A gated corrector holds requests inside the proxy,
/// so every state is reached by explicit signals, never by timing.
/// </summary>
public sealed class LimitsTests
{
    private const string Body = """{"model":"gpt-test","messages":[{"role":"user","content":"How do I boil an egg?"}]}""";
    private const string StreamBody = """{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"How do I boil an egg?"}]}""";
    private const string Original = "Figure it out yourself.";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task FullQueue_Is429WithRetryAfter_BeforeAnythingGoesUpstream()
    {
        var model = new GatedCorrectionModel();
        await using var proxy = await ProxyHost.StartAsync(
            u => new ProxyServerOptions { Upstream = u, Port = 0, MaxConcurrentRequests = 1, MaxQueuedRequests = 1, RetryAfter = TimeSpan.FromSeconds(3) },
            b => b.UseCorrectionModel(_ => model));
        proxy.Upstream!.Answer = _ => Original;
        var queue = proxy.App.Services.GetRequiredService<RequestQueue>();

        var running = proxy.Http.PostAsync("/v1/chat/completions", Json(Body));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(30));           // request 1 holds the only slot
        var queued = proxy.Http.PostAsync("/v1/chat/completions", Json(Body));
        while (queue.QueuedCount < 1)                                       // request 2 waits in the queue
        {
            Assert.False(queued.IsCompleted, "the second request should wait, not finish");
            await Task.Delay(10);
        }

        using (var rejected = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body)))
        {
            Assert.Equal((HttpStatusCode)429, rejected.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(3), rejected.Headers.RetryAfter?.Delta);
            var error = JsonNode.Parse(await rejected.Content.ReadAsStringAsync())!["error"]!;
            Assert.Equal("queue_full", (string?)error["code"]);
            Assert.Contains("at capacity", (string?)error["message"]);
        }
        using (var rejectedCorrection = await proxy.Http.PostAsync("/v1/corrections", Json("""{"question":"q","answer":"a"}""")))
            Assert.Equal((HttpStatusCode)429, rejectedCorrection.StatusCode);
        Assert.Single(proxy.Upstream.Requests);                              // the queued and the rejected ones never went upstream

        model.Release();
        using var first = await running;
        using var second = await queued;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("Corrected: a careful, safe answer.", await second.Content.ReadAsStringAsync());
        Assert.Equal(2, proxy.Upstream.Requests.Count);
    }

    [Fact]
    public async Task SlowCorrection_FallsBackToTheOriginalAnswer_Flagged()
    {
        var model = new GatedCorrectionModel(); // never released: only the correction timeout ends it
        await using var proxy = await ProxyHost.StartAsync(
            u => new ProxyServerOptions { Upstream = u, Port = 0, CorrectionTimeout = TimeSpan.FromMilliseconds(200) },
            b => b.UseCorrectionModel(_ => model));
        proxy.Upstream!.Answer = _ => Original;

        using (var response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("timeout", Header(response, "x-aligner-fallback"));
            Assert.Equal("false", Header(response, "x-aligner-changed"));
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(Original, (string?)json["choices"]![0]!["message"]!["content"]);
        }
        using (var response = await proxy.Http.PostAsync("/v1/chat/completions", Json(StreamBody)))
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("timeout", Header(response, "x-aligner-fallback"));
            Assert.EndsWith("data: [DONE]\n\n", text);
            var content = string.Concat(text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
                .Select(e => e["data: ".Length..]).Where(d => d != "[DONE]")
                .SelectMany(d => JsonNode.Parse(d)!["choices"]!.AsArray()).Select(c => (string?)c!["delta"]?["content"] ?? ""));
            Assert.Equal(Original, content);
        }
        using (var response = await proxy.Http.PostAsync("/v1/corrections", Json($$"""{"question":"How do I boil an egg?","answer":"{{Original}}"}""")))
        {
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True((bool?)json["fallback"]);
            Assert.Equal("timeout", (string?)json["fallback_reason"]);
            Assert.Equal(Original, (string?)json["correction"]);
        }
    }

    [Fact]
    public void InvalidOptions_AreRejectedNamingTheSetting()
    {
        var upstream = new Uri("http://127.0.0.1:1/v1");
        Assert.Contains("MaxConcurrentRequests", Assert.Throws<ArgumentException>(() => new ProxyServerOptions { Upstream = upstream, MaxConcurrentRequests = 0 }.Validate()).Message);
        Assert.Contains("Upstream", Assert.Throws<ArgumentException>(() => new ProxyServerOptions { Upstream = new Uri("ftp://x/") }.Validate()).Message);
        Assert.Contains("Host", Assert.Throws<ArgumentException>(() => AlignerProxyServer.Create(new ProxyServerOptions { Upstream = upstream, Host = "example.invalid" }, _ => { })).Message);
    }
}
