using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Aligner;

/// <summary>
/// The correction pipeline's instruments (<see cref="AlignerTelemetry.CorrectionsInstrument"/> and the others) on one
/// <see cref="Meter"/>: <see cref="Shared"/> on the static <see cref="AlignerTelemetry.Meter"/>, or <see cref="For"/> a
/// host's <see cref="IMeterFactory"/>, so that metrics follow the container's lifetime and can be tested in isolation.
/// </summary>
public sealed class AlignerMetrics
{
    private static readonly ConditionalWeakTable<Meter, AlignerMetrics> ByMeter = new();

    /// <summary>The instruments on the static <see cref="AlignerTelemetry.Meter"/> (used when no meter factory is given).</summary>
    public static AlignerMetrics Shared { get; } = new(AlignerTelemetry.Meter);

    /// <summary>The instruments on the meter named <see cref="AlignerTelemetry.SourceName"/> that <paramref name="meterFactory"/> creates (one set per meter).</summary>
    /// <param name="meterFactory">The host's meter factory.</param>
    public static AlignerMetrics For(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(new MeterOptions(AlignerTelemetry.SourceName) { Version = AlignerTelemetry.Version });
        return ByMeter.GetValue(meter, m => new AlignerMetrics(m));
    }

    private AlignerMetrics(Meter meter)
    {
        Meter = meter;
        _corrections = meter.CreateCounter<long>(AlignerTelemetry.CorrectionsInstrument, "{correction}", "Corrections finished, by outcome.");
        _fallbacks = meter.CreateCounter<long>(AlignerTelemetry.FallbacksInstrument, "{correction}", "Corrections that returned the original answer, by reason.");
        _latency = meter.CreateHistogram<double>(AlignerTelemetry.LatencyInstrument, "s", "Wall-clock time of a correction.");
        _tokens = meter.CreateHistogram<long>(AlignerTelemetry.TokensInstrument, "{token}", "Prompt and generated tokens of a correction, all rounds.");
        _gateDecisions = meter.CreateCounter<long>(AlignerTelemetry.GateDecisionsInstrument, "{decision}", "Correction-gate decisions, keep or correct.");
        _gateDuration = meter.CreateHistogram<double>(AlignerTelemetry.GateDurationInstrument, "s", "Time of one correction-gate call.");
        _factChecks = meter.CreateCounter<long>(AlignerTelemetry.FactChecksInstrument, "{claim}", "Wrong claims fixed by fact checkers, by checker.");
    }

    /// <summary>The meter the instruments are on.</summary>
    public Meter Meter { get; }

    private readonly Counter<long> _corrections, _fallbacks, _gateDecisions, _factChecks;
    private readonly Histogram<double> _latency, _gateDuration;
    private readonly Histogram<long> _tokens;

    internal void Record(CorrectionResult result)
    {
        var model = new KeyValuePair<string, object?>(AlignerTelemetry.ModelTag, result.ModelId);
        var outcome = new KeyValuePair<string, object?>(AlignerTelemetry.OutcomeTag, AlignerTelemetry.Outcome(result));
        _corrections.Add(1, model, outcome);
        if (result.IsFallback) _fallbacks.Add(1, model, outcome);
        _latency.Record(result.Latency.TotalSeconds, model, outcome);
        _tokens.Record(result.PromptTokens, model, new(AlignerTelemetry.TokenTypeTag, "prompt"), new(AlignerTelemetry.GenAiTokenTypeTag, "input"));
        _tokens.Record(result.GeneratedTokens, model, new(AlignerTelemetry.TokenTypeTag, "generated"), new(AlignerTelemetry.GenAiTokenTypeTag, "output"));
    }

    internal void RecordGate(IReadOnlyList<GateDecision> decisions, TimeSpan elapsed)
    {
        int correct = decisions.Count(d => d.Correct);
        if (correct > 0) _gateDecisions.Add(correct, new KeyValuePair<string, object?>(AlignerTelemetry.GateDecisionTag, "correct"));
        if (decisions.Count > correct) _gateDecisions.Add(decisions.Count - correct, new KeyValuePair<string, object?>(AlignerTelemetry.GateDecisionTag, "keep"));
        _gateDuration.Record(elapsed.TotalSeconds);
    }

    internal void RecordFactChecks(IReadOnlyList<FactCheck> fixes)
    {
        foreach (var fix in fixes) _factChecks.Add(1, new KeyValuePair<string, object?>(AlignerTelemetry.FactCheckerTag, fix.CheckerId));
    }
}
