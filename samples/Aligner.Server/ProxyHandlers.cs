using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aligner.Server;

/// <summary>The proxy's endpoints: chat completions (corrected), direct corrections, models.</summary>
internal sealed partial class ProxyHandlers(IAligner aligner, UpstreamClient upstream, RequestQueue queue, ProxyServerOptions options, ILogger<ProxyHandlers> logger)
{
    /// <summary><c>POST /v1/chat/completions</c>: forwards upstream and corrects the final assistant text of every choice.</summary>
    public Task ChatCompletionsAsync(HttpContext context) => RunAsync(context, "chat_completions", async (activity, ct) =>
    {
        var request = await OpenAiJson.ReadObjectAsync(context.Request, ct).ConfigureAwait(false);
        var messages = OpenAiJson.Messages(request);
        bool stream = OpenAiJson.IsStreaming(request);
        activity?.SetTag("aligner.proxy.stream", stream);
        using var lease = await EnterAsync(context, ct).ConfigureAwait(false);

        // As AlignerChatClient: the question is the last user text; JSON output is never corrected.
        var question = OpenAiJson.WantsJson(request) ? null : OpenAiJson.LastUserText(messages);
        string? authorization = context.Request.Headers.Authorization.Count > 0 ? context.Request.Headers.Authorization.ToString() : null;
        if (stream)
        {
            var chunks = await upstream.CompleteStreamingAsync(request, authorization, ct).ConfigureAwait(false);
            var (changed, reason) = await CorrectChunksAsync(chunks, question, ct).ConfigureAwait(false);
            Finish(activity, context, changed, reason);
            await WriteEventsAsync(context, chunks, ct).ConfigureAwait(false);
        }
        else
        {
            var response = await upstream.CompleteAsync(request, authorization, ct).ConfigureAwait(false);
            var (changed, reason) = await CorrectChoicesAsync(response, question, ct).ConfigureAwait(false);
            Finish(activity, context, changed, reason);
            await WriteJsonAsync(context, response, ct).ConfigureAwait(false);
        }
    });

    /// <summary><c>POST /v1/corrections</c>: <c>{"question", "answer"[, "instruction"]}</c> → the correction result.</summary>
    public Task CorrectionsAsync(HttpContext context) => RunAsync(context, "corrections", async (activity, ct) =>
    {
        var body = await OpenAiJson.ReadObjectAsync(context.Request, ct).ConfigureAwait(false);
        string Field(string name, bool required)
        {
            var node = body[name];
            if (node is null && !required) return "";
            if (node is not JsonValue v || !v.TryGetValue<string>(out var text))
                throw ProxyException.BadRequest("invalid_field", $"'{name}' must be a string.");
            if (required && string.IsNullOrWhiteSpace(text))
                throw ProxyException.BadRequest("invalid_field", $"'{name}' must not be empty or whitespace.");
            return text;
        }
        var question = Field("question", required: true);
        var answer = Field("answer", required: true);
        var instruction = Field("instruction", required: false);
        using var lease = await EnterAsync(context, ct).ConfigureAwait(false);
        var result = await aligner.CorrectAsync(new CorrectionRequest(question, answer) { Instruction = instruction.Length == 0 ? null : instruction }, ct).ConfigureAwait(false);
        Finish(activity, context, result.Changed, result.FallbackReason);
        await WriteJsonAsync(context, new JsonObject
        {
            ["question"] = result.Question,
            ["answer"] = result.OriginalAnswer,
            ["correction"] = result.CorrectedAnswer,
            ["changed"] = result.Changed,
            ["kept"] = result.Kept,
            ["fallback"] = result.IsFallback,
            ["fallback_reason"] = result.IsFallback ? OpenAiJson.FallbackValue(result.FallbackReason) : null,
            ["fallback_detail"] = result.FallbackDetail,
            ["answer_truncated"] = result.AnswerTruncated,
            ["model"] = result.ModelId,
            ["rounds"] = result.Rounds,
            ["prompt_tokens"] = result.PromptTokens,
            ["generated_tokens"] = result.GeneratedTokens,
            ["latency_ms"] = Math.Round(result.Latency.TotalMilliseconds, 1),
        }, ct).ConfigureAwait(false);
    });

    /// <summary><c>GET /v1/models</c>: the upstream's model list (the proxy serves the upstream's models).</summary>
    public Task ModelsAsync(HttpContext context) => RunAsync(context, "models", async (_, ct) =>
    {
        string? authorization = context.Request.Headers.Authorization.Count > 0 ? context.Request.Headers.Authorization.ToString() : null;
        await WriteJsonAsync(context, await upstream.ModelsAsync(authorization, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
    });

    private async Task RunAsync(HttpContext context, string route, Func<Activity?, CancellationToken, Task> handle)
    {
        long start = Stopwatch.GetTimestamp();
        using var activity = AlignerTelemetry.ActivitySource.StartActivity("aligner.proxy." + route);
        ProxyTelemetry.Active.Add(1);
        try
        {
            await handle(activity, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ProxyException e)
        {
            // The message can quote the upstream's error text: Debug only. Keys are never in it.
            LogRefused(logger, route, e.StatusCode, e.Code);
            LogRefusedDetail(logger, e.Message);
            activity?.SetStatus(ActivityStatusCode.Error, e.Code);
            await OpenAiJson.WriteErrorAsync(context, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            LogClientGone(logger, route);
            activity?.SetStatus(ActivityStatusCode.Error, "client_disconnected");
        }
        catch (Exception e)
        {
            LogFailed(logger, route, e);
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            await OpenAiJson.WriteErrorAsync(context, new ProxyException(500, "server_error", "proxy_error",
                $"The proxy failed while handling the request: {e.GetType().Name}: {e.Message}", e)).ConfigureAwait(false);
        }
        finally
        {
            ProxyTelemetry.Active.Add(-1);
            int status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
            activity?.SetTag("http.response.status_code", status);
            var routeTag = new KeyValuePair<string, object?>("aligner.proxy.route", route);
            ProxyTelemetry.Requests.Add(1, routeTag, new KeyValuePair<string, object?>("http.response.status_code", status));
            ProxyTelemetry.Duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, routeTag);
        }
    }

    private async Task<System.Threading.RateLimiting.RateLimitLease> EnterAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var lease = await queue.EnterAsync(cancellationToken).ConfigureAwait(false);
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        ProxyTelemetry.Rejected.Add(1);
        int seconds = (int)Math.Ceiling(options.RetryAfter.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        throw new ProxyException(429, "requests", "queue_full",
            $"The proxy is at capacity ({options.MaxConcurrentRequests} requests running, {options.MaxQueuedRequests} waiting); retry after {seconds} s.");
    }

    private static void Finish(Activity? activity, HttpContext context, bool changed, FallbackReason reason)
    {
        OpenAiJson.SetCorrectionHeaders(context.Response, changed, reason);
        activity?.SetTag("aligner.changed", changed);
        activity?.SetTag("aligner.fallback", OpenAiJson.FallbackValue(reason));
    }

    /// <summary>Corrects each choice's assistant text in place; returns whether any changed and the first fallback reason.</summary>
    private async Task<(bool Changed, FallbackReason Reason)> CorrectChoicesAsync(JsonObject response, string? question, CancellationToken ct)
    {
        var targets = new List<(JsonObject Message, string Answer)>();
        if (question is not null && response["choices"] is JsonArray choices)
        {
            foreach (var choice in choices)
            {
                if (choice is not JsonObject c || c["message"] is not JsonObject message) continue;
                if ((string?)message["role"] is { } role && role != "assistant") continue;
                var text = OpenAiJson.ContentText(message["content"]);
                if (!string.IsNullOrWhiteSpace(text)) targets.Add((message, text));
            }
        }
        if (targets.Count == 0) return (false, FallbackReason.Skipped);
        var requests = targets.Select(t => new CorrectionRequest(question!, t.Answer)).ToList();
        var results = requests.Count == 1
            ? [await aligner.CorrectAsync(requests[0], ct).ConfigureAwait(false)]
            : await aligner.CorrectBatchAsync(requests, ct).ConfigureAwait(false);
        for (int i = 0; i < targets.Count; i++) targets[i].Message["content"] = results[i].CorrectedAnswer;
        return Summarize(results);
    }

    /// <summary>
    /// Corrects a buffered stream in place: the final assistant text of each choice is taken out of the upstream's chunks
    /// and the correction, as the aligner streamed it, goes in as chunks right after that choice's last text chunk
    /// (before its finish reason and the usage). Chunks left empty are dropped; ids, tool calls and usage stay.
    /// </summary>
    private async Task<(bool Changed, FallbackReason Reason)> CorrectChunksAsync(List<JsonObject> chunks, string? question, CancellationToken ct)
    {
        var texts = new SortedDictionary<int, StringBuilder>();
        var lastTextChunk = new Dictionary<int, int>();
        var roles = new Dictionary<int, string>();
        for (int i = 0; i < chunks.Count; i++)
        {
            foreach (var (index, delta) in Deltas(chunks[i]))
            {
                if ((string?)delta["role"] is { } role) roles[index] = role;
                if (delta["content"] is JsonValue v && v.TryGetValue<string>(out var content) && content.Length > 0)
                {
                    (texts.TryGetValue(index, out var sb) ? sb : texts[index] = new StringBuilder()).Append(content);
                    lastTextChunk[index] = i;
                }
            }
        }
        var corrections = new Dictionary<int, List<string>>();
        var results = new List<CorrectionResult>();
        if (question is not null)
        {
            foreach (var (index, text) in texts)
            {
                var answer = text.ToString();
                if (string.IsNullOrWhiteSpace(answer) || (roles.TryGetValue(index, out var role) && role != "assistant")) continue;
                var pieces = new List<string>();
                CorrectionResult? result = null;
                await foreach (var update in aligner.CorrectStreamingAsync(new CorrectionRequest(question, answer), ct).ConfigureAwait(false))
                {
                    if (update.Reset) pieces.Clear();
                    if (update.TextDelta.Length > 0) pieces.Add(update.TextDelta);
                    result ??= update.Result;
                }
                corrections[index] = pieces;
                results.Add(result ?? throw new InvalidOperationException("The aligner's stream ended without a result."));
            }
        }
        if (corrections.Count == 0) return (false, FallbackReason.Skipped);

        var output = new List<JsonObject>(chunks.Count + corrections.Values.Sum(p => p.Count));
        for (int i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            foreach (var (index, delta) in Deltas(chunk))
                if (corrections.ContainsKey(index)) delta.Remove("content");
            if (!IsEmpty(chunk)) output.Add(chunk);
            foreach (var (index, pieces) in corrections)
            {
                if (lastTextChunk[index] != i) continue;
                foreach (var piece in pieces) output.Add(CorrectionChunk(chunk, index, piece));
            }
        }
        chunks.Clear();
        chunks.AddRange(output);
        return Summarize(results);
    }

    private static IEnumerable<(int Index, JsonObject Delta)> Deltas(JsonObject chunk)
    {
        if (chunk["choices"] is not JsonArray choices) yield break;
        foreach (var choice in choices)
        {
            if (choice is not JsonObject c || c["delta"] is not JsonObject delta) continue;
            int index = c["index"] is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;
            yield return (index, delta);
        }
    }

    /// <summary>A chunk that carries nothing once its text is taken out: no delta field, finish reason, logprobs or usage.</summary>
    private static bool IsEmpty(JsonObject chunk)
    {
        if (chunk["usage"] is JsonObject || chunk["choices"] is not JsonArray choices || choices.Count == 0) return false;
        foreach (var choice in choices)
        {
            if (choice is not JsonObject c) return false;
            if (c["delta"] is JsonObject delta && delta.Any(p => p.Value is not null)) return false;
            if (c["finish_reason"] is not null || c["logprobs"] is not null) return false;
        }
        return true;
    }

    private static JsonObject CorrectionChunk(JsonObject template, int index, string text)
    {
        var chunk = new JsonObject();
        foreach (var key in new[] { "id", "object", "created", "model", "system_fingerprint", "service_tier" })
            if (template[key] is { } value) chunk[key] = value.DeepClone();
        chunk["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = index,
            ["delta"] = new JsonObject { ["content"] = text },
            ["logprobs"] = null,
            ["finish_reason"] = null,
        });
        return chunk;
    }

    private static (bool Changed, FallbackReason Reason) Summarize(IReadOnlyList<CorrectionResult> results) =>
        (results.Any(r => r.Changed), results.Select(r => r.FallbackReason).FirstOrDefault(r => r != FallbackReason.None));

    private static async Task WriteJsonAsync(HttpContext context, JsonNode body, CancellationToken ct)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), ct).ConfigureAwait(false);
    }

    private static async Task WriteEventsAsync(HttpContext context, List<JsonObject> chunks, CancellationToken ct)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        var sb = new StringBuilder();
        foreach (var chunk in chunks) sb.Append("data: ").Append(chunk.ToJsonString()).Append("\n\n");
        sb.Append("data: [DONE]\n\n");
        await context.Response.WriteAsync(sb.ToString(), ct).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Route}: answered HTTP {StatusCode} ({Code}).")]
    private static partial void LogRefused(ILogger logger, string route, int statusCode, string code);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Error detail: {Detail}")]
    private static partial void LogRefusedDetail(ILogger logger, string detail);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Route}: the client disconnected before the answer.")]
    private static partial void LogClientGone(ILogger logger, string route);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "{Route}: the proxy failed.")]
    private static partial void LogFailed(ILogger logger, string route, Exception exception);
}
