using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aligner.Server.Testing;

/// <summary>
/// A loopback OpenAI-compatible upstream for tests and the load benchmark. The request's <c>model</c> picks the behaviour:
/// <c>tool-call</c> answers with a tool call; <c>fail-500</c> with HTTP 500; <c>invalid-json</c> with a broken body;
/// <c>drop-stream</c> ends a stream without <c>[DONE]</c>; any other model answers <see cref="Answer"/> of the question.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    public const string ResponseId = "chatcmpl-fake-1";
    public const string Fingerprint = "fp_fake";
    public const int PromptTokens = 11;
    public const int CompletionTokens = 7;

    private readonly WebApplication _app;

    private FakeUpstream(WebApplication app) => _app = app;

    /// <summary>The answer given to a question (the last user message's text).</summary>
    public Func<string, string> Answer { get; set; } = _ => "An answer.";

    /// <summary>Keep a copy of every request (body, Authorization header).</summary>
    public bool Record { get; set; } = true;

    /// <summary>The requests received, in order, when <see cref="Record"/> is on.</summary>
    public ConcurrentQueue<(JsonObject Body, string? Authorization)> Requests { get; } = new();

    /// <summary>Base URL to give the proxy (ends in <c>/v1</c>).</summary>
    public Uri BaseUri { get; private set; } = null!;

    public static async Task<FakeUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var upstream = new FakeUpstream(app);
        app.MapPost("/v1/chat/completions", upstream.ChatAsync);
        app.MapGet("/v1/models", context => WriteAsync(context, 200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject { ["id"] = "gpt-test", ["object"] = "model", ["created"] = 0, ["owned_by"] = "fake" }),
        }.ToJsonString()));
        await app.StartAsync();
        var address = app.Urls.First();
        upstream.BaseUri = new Uri(address.TrimEnd('/') + "/v1");
        return upstream;
    }

    private async Task ChatAsync(HttpContext context)
    {
        var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
        if (Record) Requests.Enqueue((body, context.Request.Headers.Authorization.Count > 0 ? context.Request.Headers.Authorization.ToString() : null));
        var model = (string?)body["model"] ?? "gpt-test";
        bool stream = (bool?)body["stream"] ?? false;
        bool usage = body["stream_options"] is JsonObject so && ((bool?)so["include_usage"] ?? false);
        switch (model)
        {
            case "fail-500":
                await WriteAsync(context, 500, """{"error":{"message":"the fake upstream is down","type":"server_error"}}""");
                return;
            case "invalid-json":
                await WriteAsync(context, 200, """{"id": "chatcmpl-broken", "choices": [""");
                return;
        }
        var messages = (JsonArray)body["messages"]!;
        var question = messages.OfType<JsonObject>().LastOrDefault(m => (string?)m["role"] == "user")?["content"] switch
        {
            JsonArray parts => string.Concat(parts.OfType<JsonObject>().Select(p => (string?)p["text"])),
            JsonNode content => content.ToString(),
            null => "",
        };
        bool toolCall = model == "tool-call";
        var answer = toolCall ? null : Answer(question);
        if (!stream)
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = answer };
            if (toolCall) message["tool_calls"] = new JsonArray(ToolCall(withIndex: false));
            await WriteAsync(context, 200, new JsonObject
            {
                ["id"] = ResponseId,
                ["object"] = "chat.completion",
                ["created"] = 1_700_000_000,
                ["model"] = model,
                ["system_fingerprint"] = Fingerprint,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = null, ["finish_reason"] = toolCall ? "tool_calls" : "stop" }),
                ["usage"] = Usage(),
            }.ToJsonString());
            return;
        }

        context.Response.ContentType = "text/event-stream";
        var sb = new StringBuilder();
        void Event(JsonObject? delta, string? finish, JsonObject? usageObject = null)
        {
            var chunk = new JsonObject
            {
                ["id"] = ResponseId,
                ["object"] = "chat.completion.chunk",
                ["created"] = 1_700_000_000,
                ["model"] = model,
                ["system_fingerprint"] = Fingerprint,
                ["choices"] = delta is null ? new JsonArray() : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish }),
            };
            if (usageObject is not null) chunk["usage"] = usageObject;
            sb.Append("data: ").Append(chunk.ToJsonString()).Append("\n\n");
        }
        Event(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
        if (toolCall)
        {
            Event(new JsonObject { ["tool_calls"] = new JsonArray(ToolCall(withIndex: true)) }, null);
            Event(new JsonObject(), "tool_calls");
        }
        else
        {
            foreach (var piece in SplitWords(answer!)) Event(new JsonObject { ["content"] = piece }, null);
            Event(new JsonObject(), "stop");
        }
        if (usage) Event(null, null, Usage());
        if (model != "drop-stream") sb.Append("data: [DONE]\n\n");
        await context.Response.WriteAsync(sb.ToString());
    }

    private static JsonObject ToolCall(bool withIndex)
    {
        var call = new JsonObject { ["id"] = "call_fake_1", ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_weather", ["arguments"] = """{"city":"Paris"}""" } };
        if (withIndex) call["index"] = 0;
        return call;
    }

    private static JsonObject Usage() => new() { ["prompt_tokens"] = PromptTokens, ["completion_tokens"] = CompletionTokens, ["total_tokens"] = PromptTokens + CompletionTokens };

    /// <summary>Splits text into word pieces that keep their spaces (concatenated they give the text back).</summary>
    public static IEnumerable<string> SplitWords(string text)
    {
        int start = 0;
        for (int i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                yield return text[start..i];
                start = i;
            }
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
