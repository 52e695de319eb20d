namespace Aligner.Server;

/// <summary>
/// A request the proxy answers with an error: the HTTP status and an OpenAI-style error body
/// (<c>{"error": {"message", "type", "code"}}</c>).
/// </summary>
public sealed class ProxyException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="statusCode">HTTP status of the answer.</param>
    /// <param name="type">OpenAI error type, e.g. <c>invalid_request_error</c>.</param>
    /// <param name="code">Machine-readable cause, e.g. <c>upstream_unreachable</c>.</param>
    /// <param name="message">What went wrong, for people.</param>
    /// <param name="innerException">The cause.</param>
    public ProxyException(int statusCode, string type, string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Type = type;
        Code = code;
    }

    /// <summary>HTTP status of the answer.</summary>
    public int StatusCode { get; }

    /// <summary>OpenAI error type.</summary>
    public string Type { get; }

    /// <summary>Machine-readable cause.</summary>
    public string Code { get; }

    internal static ProxyException BadRequest(string code, string message, Exception? inner = null) => new(400, "invalid_request_error", code, message, inner);
}
