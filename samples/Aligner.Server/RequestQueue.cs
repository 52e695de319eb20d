using System.Threading.RateLimiting;

namespace Aligner.Server;

/// <summary>
/// Admission control: at most <see cref="ProxyServerOptions.MaxConcurrentRequests"/> requests run, at most
/// <see cref="ProxyServerOptions.MaxQueuedRequests"/> wait (oldest first); a request beyond both is refused at once
/// (HTTP 429), before anything is sent upstream.
/// </summary>
public sealed class RequestQueue : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    /// <summary>Creates the queue from the proxy's limits.</summary>
    public RequestQueue(ProxyServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrentRequests,
            QueueLimit = options.MaxQueuedRequests,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Requests waiting for a slot now.</summary>
    public long QueuedCount => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>Free slots now.</summary>
    public long AvailableSlots => _limiter.GetStatistics()?.CurrentAvailablePermits ?? 0;

    /// <summary>Waits for a slot; the lease is not acquired when the queue is full.</summary>
    public ValueTask<RateLimitLease> EnterAsync(CancellationToken cancellationToken) => _limiter.AcquireAsync(1, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _limiter.Dispose();
}
