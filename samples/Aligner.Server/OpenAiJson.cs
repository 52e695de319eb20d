using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Aligner.Server;

/// <summary>Reading and writing the parts of the OpenAI chat-completions format the proxy touches.</summary>
internal static class OpenAiJson
{
    public const string ChangedHeader = "x-aligner-changed";
    public const string FallbackHeader = "x-aligner-fallback";

    /// <summary>Reads the request body as a JSON object: 413 past the size limit, 400 when it is not a JSON object.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ProxyException(413, "invalid_request_error", "request_too_large", $"The request body is larger than the proxy's limit of {request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes.", e);
        }
        catch (JsonException e)
        {
            throw ProxyException.BadRequest("invalid_json", $"The request body is not valid JSON: {e.Message}", e);
        }
        return node as JsonObject ?? throw ProxyException.BadRequest("invalid_json", "The request body must be a JSON object.");
    }

    /// <summary>The text of a message's <c>content</c>: a string, or the concatenated <c>text</c> parts of an array.</summary>
    public static string? ContentText(JsonNode? content)
    {
        if (content is JsonValue value && value.TryGetValue<string>(out var text)) return text;
        if (content is not JsonArray parts) return null;
        var sb = new StringBuilder();
        foreach (var part in parts)
            if (part is JsonObject p && (string?)p["type"] == "text" && p["text"] is JsonValue t && t.TryGetValue<string>(out var s)) sb.Append(s);
        return sb.ToString();
    }

    /// <summary>The question: the text of the last user message that has text (as <see cref="AlignerChatClient.LastUserText"/>).</summary>
    public static string? LastUserText(JsonArray messages)
    {
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i] is not JsonObject message || (string?)message["role"] != "user") continue;
            var text = ContentText(message["content"]);
            if (!string.IsNullOrWhiteSpace(text)) return text;
        }
        return null;
    }

    /// <summary>Whether the caller asked for JSON output (<c>response_format</c> <c>json_object</c> or <c>json_schema</c>), which is never corrected.</summary>
    public static bool WantsJson(JsonObject request) =>
        request["response_format"] is JsonObject format && (string?)format["type"] is "json_object" or "json_schema";

    /// <summary>The messages array of a chat-completions request (400 when missing or not an array).</summary>
    public static JsonArray Messages(JsonObject request) =>
        request["messages"] as JsonArray ?? throw ProxyException.BadRequest("invalid_messages", "The request must have a 'messages' array.");

    /// <summary>Whether the request asks for a streamed answer (400 when <c>stream</c> is not a boolean).</summary>
    public static bool IsStreaming(JsonObject request) => request["stream"] switch
    {
        null => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() is JsonValueKind.False or JsonValueKind.Null => false,
        _ => throw ProxyException.BadRequest("invalid_stream", "'stream' must be true or false."),
    };

    /// <summary>The <c>x-aligner-fallback</c> value of a reason: <c>none</c>, or the reason in snake case.</summary>
    public static string FallbackValue(FallbackReason reason) => AlignerTelemetry.ReasonName(reason);

    /// <summary>Sets the two correction headers.</summary>
    public static void SetCorrectionHeaders(HttpResponse response, bool changed, FallbackReason reason)
    {
        response.Headers[ChangedHeader] = changed ? "true" : "false";
        response.Headers[FallbackHeader] = FallbackValue(reason);
    }

    /// <summary>An OpenAI-style error body.</summary>
    public static JsonObject ErrorBody(string message, string type, string code) => new()
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = code },
    };

    /// <summary>Writes <paramref name="error"/> as the response (when nothing has been sent yet).</summary>
    public static async Task WriteErrorAsync(HttpContext context, ProxyException error)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = error.StatusCode;
        await context.Response.WriteAsJsonAsync(ErrorBody(error.Message, error.Type, error.Code), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The message of an upstream's error body (<c>error.message</c>), or the start of the body.</summary>
    public static string DescribeErrorBody(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject o && o["error"] is JsonObject e && e["message"] is JsonValue m && m.TryGetValue<string>(out var text)) return text;
        }
        catch (JsonException)
        {
        }
        body = body.Trim();
        return body.Length == 0 ? "(empty body)" : body.Length <= 300 ? body : body[..300] + "…";
    }
}
