using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Aligner.Core.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Aligner.Core.Tests.Pipeline;

public class TelemetryAndLoggingTests
{
    [Fact]
    public async Task Metrics_count_corrections_fallbacks_latency_and_tokens()
    {
        string modelId = "telemetry-" + Guid.NewGuid().ToString("N");
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == AlignerTelemetry.SourceName) l.EnableMeasurementEvents(instrument); };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dict = new Dictionary<string, object?>();
            foreach (var t in tags) dict[t.Key] = t.Value;
            if (Equals(dict.GetValueOrDefault(AlignerTelemetry.ModelTag), modelId)) measurements.Enqueue((instrument.Name, value, dict));
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var model = new ScriptedCorrectionModel((q, a) => a == "fail" ? throw new IOException("x") : "fixed", modelId: modelId);
        var aligner = new ResidualAligner(model);
        await aligner.CorrectAsync(new CorrectionRequest("Q", "A"));
        await aligner.CorrectAsync(new CorrectionRequest("Q", "fail"));

        var corrections = measurements.Where(m => m.Instrument == AlignerTelemetry.CorrectionsInstrument).ToList();
        Assert.Equal(2, corrections.Count);
        Assert.Contains(corrections, m => Equals(m.Tags[AlignerTelemetry.OutcomeTag], "corrected"));
        Assert.Contains(corrections, m => Equals(m.Tags[AlignerTelemetry.OutcomeTag], "backend_error"));
        var fallback = Assert.Single(measurements, m => m.Instrument == AlignerTelemetry.FallbacksInstrument);
        Assert.Equal("backend_error", fallback.Tags[AlignerTelemetry.OutcomeTag]);
        Assert.Equal(2, measurements.Count(m => m.Instrument == AlignerTelemetry.LatencyInstrument));
        var generated = measurements.First(m => m.Instrument == AlignerTelemetry.TokensInstrument && Equals(m.Tags[AlignerTelemetry.TokenTypeTag], "generated"));
        Assert.Equal("fixed".Length, generated.Value);
    }

    [Fact]
    public async Task An_aligner_from_the_container_records_on_the_host_meter_factory()
    {
        string modelId = "factory-" + Guid.NewGuid().ToString("N");
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        var factory = new TestMeterFactory();
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<IMeterFactory>(services, factory);
        Microsoft.Extensions.DependencyInjection.AlignerServiceCollectionExtensions.AddAligner(services)
            .UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => "fixed", modelId: modelId));
        await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);

        var counted = new ConcurrentQueue<(Meter Meter, string Instrument, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == AlignerTelemetry.SourceName) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((i, v, t, _) =>
        {
            var tags = new Dictionary<string, object?>();
            foreach (var tag in t) tags[tag.Key] = tag.Value;
            if (Equals(tags.GetValueOrDefault(AlignerTelemetry.ModelTag), modelId)) counted.Enqueue((i.Meter, i.Name, tags));
        });
        listener.Start();

        var aligner = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IAligner>(provider);
        await aligner.CorrectAsync(new CorrectionRequest("Q", "A"));

        var correction = Assert.Single(counted, c => c.Instrument == AlignerTelemetry.CorrectionsInstrument);
        Assert.Same(factory.Created.Single(), correction.Meter);
        Assert.NotSame(AlignerTelemetry.Meter, correction.Meter);
        Assert.Contains(counted, c => c.Instrument == AlignerTelemetry.TokensInstrument && Equals(c.Tags[AlignerTelemetry.GenAiTokenTypeTag], "output"));
        Assert.Same(AlignerMetrics.For(factory), AlignerMetrics.For(factory));
    }

    /// <summary>A minimal <see cref="IMeterFactory"/>: one meter per name, disposed with the factory.</summary>
    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            lock (Created)
            {
                var existing = Created.FirstOrDefault(m => m.Name == options.Name);
                if (existing is not null) return existing;
                var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
                Created.Add(meter);
                return meter;
            }
        }

        public void Dispose()
        {
            foreach (var m in Created) m.Dispose();
        }
    }

    [Fact]
    public async Task A_span_is_recorded_per_correction_without_user_text()
    {
        string modelId = "span-" + Guid.NewGuid().ToString("N");
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == AlignerTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (Equals(a.GetTagItem(AlignerTelemetry.ModelTag), modelId)) activities.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(listener);

        await new ResidualAligner(new ScriptedCorrectionModel((q, a) => "secret-fix", modelId: modelId)).CorrectAsync(new CorrectionRequest("secret-question", "secret-answer"));

        var activity = Assert.Single(activities);
        Assert.Equal("aligner.correct", activity.OperationName);
        Assert.Equal("corrected", activity.GetTagItem(AlignerTelemetry.OutcomeTag));
        Assert.Equal(modelId, activity.GetTagItem(AlignerTelemetry.GenAiRequestModelTag));
        Assert.Equal("text_completion", activity.GetTagItem(AlignerTelemetry.GenAiOperationNameTag));
        Assert.Equal("secret-fix".Length, activity.GetTagItem(AlignerTelemetry.GenAiOutputTokensTag));
        Assert.True((int)activity.GetTagItem(AlignerTelemetry.GenAiInputTokensTag)! > 0);
        Assert.DoesNotContain(activity.TagObjects, t => t.Value?.ToString()?.Contains("secret") == true);
    }

    [Fact]
    public async Task No_user_text_is_logged_above_debug()
    {
        var logger = new CapturingLogger<ResidualAligner>();
        var model = new ScriptedCorrectionModel((q, a) => a.StartsWith("boom") ? throw new IOException("backend down") : "secret-correction");
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy with { MaxNewTokens = 10 } }, logger);
        await aligner.CorrectAsync(new CorrectionRequest("secret-question", "secret-answer"));
        await aligner.CorrectAsync(new CorrectionRequest("secret-question", "boom secret-answer"));
        await aligner.CorrectAsync(new CorrectionRequest("secret-question", new string('s', 300_000)));

        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Trace && e.Message.Contains("secret-correction"));
        foreach (var (level, message, _) in logger.Entries.Where(e => e.Level > LogLevel.Debug))
        {
            Assert.DoesNotContain("secret", message);
            Assert.DoesNotContain("sss", message);
        }
    }
}
