using System.Diagnostics.Metrics;

namespace Aligner.Server;

/// <summary>
/// The proxy's instruments, on the library's <see cref="AlignerTelemetry.Meter"/> (spans go to
/// <see cref="AlignerTelemetry.ActivitySource"/>): subscribe to <c>Aligner</c> and both the proxy's and the pipeline's
/// telemetry arrive. No instrument or span carries user text or keys.
/// </summary>
internal static class ProxyTelemetry
{
    public const string RequestsInstrument = "aligner.proxy.requests";
    public const string RejectedInstrument = "aligner.proxy.rejected";
    public const string DurationInstrument = "aligner.proxy.request.duration";
    public const string UpstreamDurationInstrument = "aligner.proxy.upstream.duration";
    public const string ActiveInstrument = "aligner.proxy.active_requests";

    public static Counter<long> Requests { get; } = AlignerTelemetry.Meter.CreateCounter<long>(RequestsInstrument, "{request}", "Proxy requests answered, by route and status code.");
    public static Counter<long> Rejected { get; } = AlignerTelemetry.Meter.CreateCounter<long>(RejectedInstrument, "{request}", "Requests answered 429 because the queue was full.");
    public static Histogram<double> Duration { get; } = AlignerTelemetry.Meter.CreateHistogram<double>(DurationInstrument, "s", "Wall-clock time of a proxy request.");
    public static Histogram<double> UpstreamDuration { get; } = AlignerTelemetry.Meter.CreateHistogram<double>(UpstreamDurationInstrument, "s", "Wall-clock time of an upstream call.");
    public static UpDownCounter<long> Active { get; } = AlignerTelemetry.Meter.CreateUpDownCounter<long>(ActiveInstrument, "{request}", "Requests being handled (running or queued).");
}
