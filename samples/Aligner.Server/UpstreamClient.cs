using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aligner.Server;

/// <summary>
/// Calls the OpenAI-compatible upstream. Every failure becomes a <see cref="ProxyException"/> naming the cause:
/// unreachable or dropped connection and HTTP errors (502), an invalid answer (502), no answer in time (504).
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly ProxyServerOptions _options;

    public UpstreamClient(ProxyServerOptions options)
    {
        _options = options;
        var text = options.Upstream.AbsoluteUri;
        _base = new Uri(text.EndsWith('/') ? text : text + "/");
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            AutomaticDecompression = System.Net.DecompressionMethods.All,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The upstream's base URL, as the proxy names it in errors.</summary>
    public string BaseUrl => _base.AbsoluteUri;

    /// <summary>POSTs a chat-completions request and parses the JSON answer.</summary>
    public Task<JsonObject> CompleteAsync(JsonObject body, string? callerAuthorization, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Post, "chat/completions", body, callerAuthorization, stream: false, async (response, ct) =>
            await ReadObjectAsync(response, ct).ConfigureAwait(false), cancellationToken);

    /// <summary>POSTs a streaming chat-completions request and collects its chunks (everything before <c>[DONE]</c>).</summary>
    public Task<List<JsonObject>> CompleteStreamingAsync(JsonObject body, string? callerAuthorization, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Post, "chat/completions", body, callerAuthorization, stream: true, async (response, ct) =>
        {
            var chunks = new List<JsonObject>();
            bool done = false;
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct).ConfigureAwait(false))
            {
                if (item.Data.Trim() == "[DONE]") { done = true; break; }
                JsonNode? node;
                try { node = JsonNode.Parse(item.Data); }
                catch (JsonException e) { throw Invalid($"a stream event is not valid JSON ({e.Message})", e); }
                if (node is JsonObject o && o["error"] is JsonObject error)
                    throw Failed($"the upstream {BaseUrl} reported an error in its stream: {(string?)error["message"] ?? error.ToJsonString()}", "upstream_error");
                chunks.Add(node as JsonObject ?? throw Invalid("a stream event is not a JSON object"));
            }
            if (!done) throw Failed($"the upstream {BaseUrl} ended its stream without [DONE] (connection dropped?)", "upstream_incomplete");
            return chunks;
        }, cancellationToken);

    /// <summary>GETs <c>{upstream}/models</c>.</summary>
    public Task<JsonObject> ModelsAsync(string? callerAuthorization, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Get, "models", null, callerAuthorization, stream: false, ReadObjectAsync, cancellationToken);

    private async Task<T> CallAsync<T>(HttpMethod method, string path, JsonObject? body, string? callerAuthorization, bool stream,
        Func<HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var url = new Uri(_base, path);
        using var activity = AlignerTelemetry.ActivitySource.StartActivity("aligner.proxy.upstream", ActivityKind.Client);
        activity?.SetTag("url.full", url.AbsoluteUri);
        long start = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(_options.UpstreamTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        int status = 0;
        try
        {
            using var request = new HttpRequestMessage(method, url);
            if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream ? "text/event-stream" : "application/json"));
            var authorization = _options.UpstreamApiKey is { } key ? "Bearer " + key : _options.ApiKey is null ? callerAuthorization : null;
            if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            activity?.SetTag("http.response.status_code", status);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
                throw Failed($"the upstream {url.AbsoluteUri} returned HTTP {status} {response.ReasonPhrase}: {OpenAiJson.DescribeErrorBody(text)}", $"upstream_http_{status}");
            }
            return await read(response, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "timeout");
            throw new ProxyException(504, "upstream_error", "upstream_timeout", $"The upstream {url.AbsoluteUri} did not answer within {_options.UpstreamTimeout.TotalSeconds:0.#} s.", e);
        }
        catch (HttpRequestException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "unreachable");
            var cause = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;
            throw Failed(status == 0 ? $"the upstream {url.AbsoluteUri} could not be reached: {cause}" : $"the connection to the upstream {url.AbsoluteUri} failed: {cause}",
                status == 0 ? "upstream_unreachable" : "upstream_connection_lost", e);
        }
        catch (IOException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "connection lost");
            throw Failed($"the connection to the upstream {url.AbsoluteUri} failed: {e.Message}", "upstream_connection_lost", e);
        }
        catch (ProxyException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Code);
            throw;
        }
        finally
        {
            ProxyTelemetry.UpstreamDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds,
                new KeyValuePair<string, object?>("http.response.status_code", status));
        }
    }

    private async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        JsonNode? node;
        try { node = await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false); }
        catch (JsonException e) { throw Invalid($"its answer is not valid JSON ({e.Message})", e); }
        return node as JsonObject ?? throw Invalid("its answer is not a JSON object");
    }

    private ProxyException Invalid(string problem, Exception? inner = null) =>
        Failed($"the upstream {BaseUrl} sent an invalid answer: {problem}", "upstream_invalid_response", inner);

    private static ProxyException Failed(string message, string code, Exception? inner = null) =>
        new(502, "upstream_error", code, char.ToUpperInvariant(message[0]) + message[1..] + (message.EndsWith('.') ? "" : "."), inner);

    public void Dispose() => _http.Dispose();
}
