using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;

namespace Aligner.Server.Tests;

/// <summary>The proxy's spans and metrics arrive through the library's <c>Aligner</c> activity source and meter.</summary>
public sealed class TelemetryTests(DemoProxyFixture fixture) : IClassFixture<DemoProxyFixture>
{
    [Fact]
    public async Task ProxySpans_ParentTheUpstreamCallAndTheCorrection_AndRequestsAreCounted()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is AlignerTelemetry.SourceName or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        long counted = 0;
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == AlignerTelemetry.SourceName && instrument.Name == ProxyTelemetry.RequestsInstrument) l.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "aligner.proxy.route" && (string?)tag.Value == "chat_completions") Interlocked.Add(ref counted, value);
        });
        meters.Start();

        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-test","messages":[{"role":"user","content":"How do I boil an egg?"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await fixture.Host.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();

        var trace = activities.Where(a => a.TraceId == traceId).ToList();
        var proxySpan = Assert.Single(trace, a => a.OperationName == "aligner.proxy.chat_completions");
        Assert.Contains(trace, a => a.OperationName == "aligner.proxy.upstream" && a.ParentSpanId == proxySpan.SpanId && a.Kind == ActivityKind.Client);
        Assert.Contains(trace, a => a.OperationName == "aligner.correct" && a.ParentSpanId == proxySpan.SpanId && (string?)a.GetTagItem(AlignerTelemetry.OutcomeTag) is not null);
        Assert.Equal(200, proxySpan.GetTagItem("http.response.status_code"));
        Assert.Equal("none", proxySpan.GetTagItem("aligner.fallback"));
        Assert.True(Interlocked.Read(ref counted) >= 1);
    }
}

/// <summary>With an OTLP endpoint configured (here one nobody listens on), exporting never gets in the way of answers.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task WithOtlpExport_TheProxyStillServes()
    {
        await using var proxy = await ProxyHost.StartAsync(
            u => new ProxyServerOptions { Upstream = u, Port = 0, OtlpEndpoint = new Uri("http://127.0.0.1:9") },
            ProxyHost.DemoCorrector);
        proxy.Upstream!.Answer = _ => "Paris is the capital of France.";
        using var response = await proxy.Http.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"gpt-test","messages":[{"role":"user","content":"What is the capital of France?"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(proxy.App.Services.GetService(typeof(OpenTelemetry.Trace.TracerProvider)));
    }
}
