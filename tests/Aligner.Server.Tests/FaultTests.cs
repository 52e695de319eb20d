using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using static Aligner.Server.Tests.ChatCompletionsTests;

namespace Aligner.Server.Tests;

/// <summary>Malformed requests and failing upstreams: each gets its status and an OpenAI-style error naming the cause.</summary>
public sealed class FaultTests(DemoProxyFixture fixture) : IClassFixture<DemoProxyFixture>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonObject> ErrorOf(HttpResponseMessage response)
    {
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.NotNull(body["error"]?["message"]);
        return body["error"]!.AsObject();
    }

    [Fact]
    public async Task MalformedJson_Is400()
    {
        using var response = await fixture.Host.Http.PostAsync("/v1/chat/completions", Json("""{"model": "gpt-test", "messages": [ """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_json", (string?)error["code"]);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal("error", Header(response, "x-aligner-fallback"));
        Assert.Equal("false", Header(response, "x-aligner-changed"));
    }

    [Theory]
    [InlineData("""{"model": "gpt-test"}""", "invalid_messages")]
    [InlineData("""[1, 2]""", "invalid_json")]
    [InlineData("""{"model": "gpt-test", "stream": "yes", "messages": []}""", "invalid_stream")]
    public async Task WrongShape_Is400NamingTheField(string json, string code)
    {
        using var response = await fixture.Host.Http.PostAsync("/v1/chat/completions", Json(json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (string?)(await ErrorOf(response))["code"]);
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        var big = new string('x', 100 * 1024);
        using var response = await fixture.Host.Http.PostAsync("/v1/chat/completions", Json($$"""{"model":"gpt-test","messages":[{"role":"user","content":"{{big}}"}]}"""));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("request_too_large", (string?)error["code"]);
        Assert.Contains("65536", (string?)error["message"]);
    }

    [Theory]
    [InlineData("fail-500", false, "upstream_http_500", "the fake upstream is down")]
    [InlineData("fail-500", true, "upstream_http_500", "HTTP 500")]
    [InlineData("invalid-json", false, "upstream_invalid_response", "not valid JSON")]
    [InlineData("drop-stream", true, "upstream_incomplete", "without [DONE]")]
    public async Task UpstreamErrors_Are502NamingTheCause(string model, bool stream, string code, string inMessage)
    {
        using var response = await fixture.Host.Http.PostAsync("/v1/chat/completions",
            Json($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hi"}]}"""));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal(code, (string?)error["code"]);
        Assert.Equal("upstream_error", (string?)error["type"]);
        Assert.Contains(inMessage, (string?)error["message"]);
        Assert.Contains(fixture.Host.Upstream!.BaseUri.Authority, (string?)error["message"]);
    }

    [Fact]
    public async Task UnreachableUpstream_Is502NamingTheAddress()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var upstream = new Uri($"http://127.0.0.1:{port}/v1");
        await using var proxy = await ProxyHost.StartAsync(u => new ProxyServerOptions { Upstream = u, Port = 0 }, ProxyHost.DemoCorrector, upstreamUri: upstream);

        foreach (var stream in new[] { false, true })
        {
            using var response = await proxy.Http.PostAsync("/v1/chat/completions", Json($$"""{"model":"gpt-test","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hi"}]}"""));
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            var error = await ErrorOf(response);
            Assert.Equal("upstream_unreachable", (string?)error["code"]);
            Assert.Contains($"127.0.0.1:{port}", (string?)error["message"]);
            Assert.Contains("could not be reached", (string?)error["message"]);
        }
        using var models = await proxy.Http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.BadGateway, models.StatusCode);
    }
}
