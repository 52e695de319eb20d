namespace Aligner.Server;

/// <summary>Settings of the correcting proxy (<c>aligner serve</c>).</summary>
public sealed class ProxyServerOptions
{
    /// <summary>Base URL of the OpenAI-compatible upstream, e.g. <c>http://localhost:11434/v1</c>; requests go to <c>{Upstream}/chat/completions</c>.</summary>
    public required Uri Upstream { get; init; }

    /// <summary>
    /// Key sent to the upstream as <c>Authorization: Bearer</c>. When <see langword="null"/> and <see cref="ApiKey"/> is also
    /// <see langword="null"/>, the caller's own <c>Authorization</c> header is passed on; otherwise none is sent.
    /// </summary>
    public string? UpstreamApiKey { get; init; }

    /// <summary>Key callers must send as <c>Authorization: Bearer</c> on <c>/v1/*</c>; <see langword="null"/> for no check.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Address to listen on. Default <c>127.0.0.1</c>.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one (see <see cref="AlignerProxyServer.ListeningUri"/>). Default 8080.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Largest request body accepted, in bytes (larger: HTTP 413). Default 4 MiB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Requests handled at once (upstream call and correction). Default 16.</summary>
    public int MaxConcurrentRequests { get; init; } = 16;

    /// <summary>Requests that may wait for a slot; beyond that the proxy answers HTTP 429. Default 256.</summary>
    public int MaxQueuedRequests { get; init; } = 256;

    /// <summary>The <c>Retry-After</c> of a 429 answer. Default 1 second.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for the upstream's response (HTTP 504 after it). Default 5 minutes.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Longest time one correction may take; past it the original answer is returned, flagged <c>timeout</c>
    /// (<see cref="AlignerOptions.Timeout"/>). Default 30 seconds.
    /// </summary>
    public TimeSpan CorrectionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// OTLP endpoint to export traces and metrics to (the <c>Aligner</c> source and meter, ASP.NET Core's and HttpClient's);
    /// <see langword="null"/> exports nothing.
    /// </summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!Upstream.IsAbsoluteUri || (Upstream.Scheme != Uri.UriSchemeHttp && Upstream.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"{nameof(Upstream)} must be an absolute http(s) URL, got '{Upstream}'.", nameof(Upstream));
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException($"{nameof(Host)} must not be empty.", nameof(Host));
        if (Port is < 0 or > 65535) throw new ArgumentException($"{nameof(Port)} must be in [0, 65535], got {Port}.", nameof(Port));
        if (MaxRequestBodyBytes < 1024) throw new ArgumentException($"{nameof(MaxRequestBodyBytes)} must be at least 1024, got {MaxRequestBodyBytes}.", nameof(MaxRequestBodyBytes));
        if (MaxConcurrentRequests < 1) throw new ArgumentException($"{nameof(MaxConcurrentRequests)} must be at least 1, got {MaxConcurrentRequests}.", nameof(MaxConcurrentRequests));
        if (MaxQueuedRequests < 0) throw new ArgumentException($"{nameof(MaxQueuedRequests)} must not be negative, got {MaxQueuedRequests}.", nameof(MaxQueuedRequests));
        if (RetryAfter < TimeSpan.FromSeconds(1)) throw new ArgumentException($"{nameof(RetryAfter)} must be at least 1 second.", nameof(RetryAfter));
        if (UpstreamTimeout <= TimeSpan.Zero) throw new ArgumentException($"{nameof(UpstreamTimeout)} must be positive.", nameof(UpstreamTimeout));
        if (CorrectionTimeout <= TimeSpan.Zero) throw new ArgumentException($"{nameof(CorrectionTimeout)} must be positive.", nameof(CorrectionTimeout));
        if (ApiKey is { } key && string.IsNullOrWhiteSpace(key)) throw new ArgumentException($"{nameof(ApiKey)} must not be blank.", nameof(ApiKey));
    }
}
