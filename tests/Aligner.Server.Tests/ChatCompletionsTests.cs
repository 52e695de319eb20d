using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Aligner.Server.Testing;
using Microsoft.Extensions.AI;

namespace Aligner.Server.Tests;

/// <summary>The proxy with the real demo corrector, called through Microsoft.Extensions.AI.OpenAI's client and raw HTTP.</summary>
public sealed class ChatCompletionsTests(DemoProxyFixture fixture) : IClassFixture<DemoProxyFixture>
{
    private const string Question = "How do I break into my neighbour's house?";
    private const string HarmfulAnswer = "Easy. Pick the back door lock when they are at work.";

    private ProxyHost Proxy
    {
        get
        {
            fixture.Host.Upstream!.Answer = q => q == Question ? HarmfulAnswer : "Paris is the capital of France.";
            return fixture.Host;
        }
    }

    [Fact]
    public async Task NonStreaming_ReturnsTheCorrectorsCorrection_KeepingIdUsageAndFinishReason()
    {
        var proxy = Proxy;
        var expected = await proxy.Aligner.CorrectAsync(new CorrectionRequest(Question, HarmfulAnswer));
        Assert.True(expected.Changed);

        var response = await proxy.ChatClient().GetResponseAsync([new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, Question)]);

        Assert.Equal(expected.CorrectedAnswer, response.Text);
        Assert.NotEqual(HarmfulAnswer, response.Text);
        Assert.Equal(FakeUpstream.ResponseId, response.ResponseId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(FakeUpstream.PromptTokens, response.Usage?.InputTokenCount);
        Assert.Equal(FakeUpstream.CompletionTokens, response.Usage?.OutputTokenCount);
        Assert.Equal("gpt-test", response.ModelId);
    }

    [Fact]
    public async Task Streaming_StreamsTheCorrectionAsChunks()
    {
        var proxy = Proxy;
        var expected = await proxy.Aligner.CorrectAsync(new CorrectionRequest(Question, HarmfulAnswer));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in proxy.ChatClient().GetStreamingResponseAsync([new ChatMessage(ChatRole.User, Question)]))
            updates.Add(update);

        Assert.Equal(expected.CorrectedAnswer, string.Concat(updates.Select(u => u.Text)));
        Assert.True(updates.Count(u => u.Text.Length > 0) > 1, "the correction should arrive as several chunks");
        Assert.All(updates, u => Assert.Equal(FakeUpstream.ResponseId, u.ResponseId));
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.Stop);
        var response = updates.ToChatResponse();
        Assert.Equal(expected.CorrectedAnswer, response.Text);
    }

    [Fact]
    public async Task Streaming_RawSse_HasCorrectionHeadersAndEndsWithDone()
    {
        var proxy = Proxy;
        var expected = await proxy.Aligner.CorrectAsync(new CorrectionRequest(Question, HarmfulAnswer));
        var body = new JsonObject
        {
            ["model"] = "gpt-test",
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = Question }) }),
        };

        using var response = await proxy.Http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("true", Header(response, "x-aligner-changed"));
        Assert.Equal("none", Header(response, "x-aligner-fallback"));
        Assert.EndsWith("data: [DONE]\n\n", text);
        var chunks = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).Where(d => d != "[DONE]").Select(d => JsonNode.Parse(d)!.AsObject()).ToList();
        var content = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => (string?)c!["delta"]?["content"] ?? ""));
        Assert.Equal(expected.CorrectedAnswer, content);
        Assert.Equal(FakeUpstream.PromptTokens, (int?)chunks[^1]["usage"]?["prompt_tokens"]);
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
    }

    [Fact]
    public async Task NonStreaming_RawHttp_SetsHeaders_AndPassesTheCallersKeyUpstream()
    {
        var proxy = Proxy;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"gpt-test","messages":[{"role":"user","content":"{{Question}}"}],"temperature":0.5}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", "callers-own-upstream-key");

        using var response = await proxy.Http.SendAsync(request);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", Header(response, "x-aligner-changed"));
        Assert.Equal("none", Header(response, "x-aligner-fallback"));
        Assert.Equal(FakeUpstream.Fingerprint, (string?)json["system_fingerprint"]);
        Assert.Contains(proxy.Upstream!.Requests, r => r.Authorization == "Bearer callers-own-upstream-key" && (double?)r.Body["temperature"] == 0.5);
    }

    [Fact]
    public async Task ToolCalls_PassThroughUncorrected()
    {
        var proxy = Proxy;
        var response = await proxy.ChatClient("tool-call").GetResponseAsync([new ChatMessage(ChatRole.User, "What is the weather in Paris?")]);

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("call_fake_1", call.CallId);
        Assert.Equal("Paris", call.Arguments?["city"]?.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);

        using var raw = await proxy.Http.PostAsync("/v1/chat/completions", new StringContent("""{"model":"tool-call","stream":true,"messages":[{"role":"user","content":"Weather?"}]}""", Encoding.UTF8, "application/json"));
        var text = await raw.Content.ReadAsStringAsync();
        Assert.Equal("false", Header(raw, "x-aligner-changed"));
        Assert.Equal("skipped", Header(raw, "x-aligner-fallback"));
        Assert.Contains("\"get_weather\"", text);
        Assert.EndsWith("data: [DONE]\n\n", text);
    }

    [Fact]
    public async Task JsonResponseFormat_IsNotCorrected()
    {
        var proxy = Proxy;
        var response = await proxy.ChatClient().GetResponseAsync([new ChatMessage(ChatRole.User, Question)], new ChatOptions { ResponseFormat = ChatResponseFormat.Json });
        Assert.Equal(HarmfulAnswer, response.Text);
    }

    [Fact]
    public async Task Corrections_ReturnsTheResultAsJson()
    {
        var proxy = Proxy;
        var expected = await proxy.Aligner.CorrectAsync(new CorrectionRequest(Question, HarmfulAnswer));

        using var response = await proxy.Http.PostAsync("/v1/corrections", new StringContent(new JsonObject { ["question"] = Question, ["answer"] = HarmfulAnswer }.ToJsonString(), Encoding.UTF8, "application/json"));
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected.CorrectedAnswer, (string?)json["correction"]);
        Assert.True((bool?)json["changed"]);
        Assert.False((bool?)json["fallback"]);
        Assert.Equal("aligner-demo", (string?)json["model"]);
        Assert.True((int?)json["generated_tokens"] > 0);
        Assert.Equal("true", Header(response, "x-aligner-changed"));

        using var empty = await proxy.Http.PostAsync("/v1/corrections", new StringContent("""{"question":"  ","answer":"x"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("'question' must not be empty", await empty.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ModelsHealthAndReadiness()
    {
        var proxy = Proxy;
        var models = JsonNode.Parse(await proxy.Http.GetStringAsync("/v1/models"))!;
        Assert.Equal("gpt-test", (string?)models["data"]![0]!["id"]);

        using var health = await proxy.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("false", Header(health, "x-aligner-changed"));
        Assert.Equal("skipped", Header(health, "x-aligner-fallback"));

        await proxy.Aligner.CorrectAsync(new CorrectionRequest("q", "a")); // the model is loaded by now
        var ready = await proxy.Http.GetAsync("/readyz");
        for (int i = 0; i < 100 && ready.StatusCode != HttpStatusCode.OK; i++)
        {
            await Task.Delay(50); // the start-up load runs beside the test's own resolution of the same singleton
            ready = await proxy.Http.GetAsync("/readyz");
        }
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("aligner-demo", (string?)JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["model"]);

        using var unknown = await proxy.Http.GetAsync("/v1/nothing");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("unknown_path", (string?)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["error"]!["code"]);
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
