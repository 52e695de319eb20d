using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace Aligner.Benchmarks.Suites;

/// <summary>
/// The shipped correction gate (all-MiniLM-L6-v2 on ONNX Runtime plus the trained head of
/// <c>samples/models/aligner-v3/gate</c>) deciding batches of the hand-written question/answer pairs: one encoder call
/// per batch, so the time per pair falls with the batch. Divide the mean by <see cref="Batch"/> for milliseconds per pair.
/// <see cref="SafetyRules"/> adds the question and answer rules of <see cref="Aligner.Gating.SafetyRulesGate"/>, as the
/// CLI's default does.
/// Run: <c>dotnet run -c Release --project benchmarks/Aligner.Benchmarks -- --filter *GateBenchmarks* --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class GateBenchmarks
{
    private ICorrectionGate? _gate;
    private IDisposable? _encoder;
    private List<CorrectionRequest> _requests = [];

    /// <summary>Question/answer pairs decided per call.</summary>
    [Params(1, 8, 64)]
    public int Batch { get; set; }

    /// <summary>Whether the gate runs inside <see cref="Aligner.Gating.SafetyRulesGate"/> (the CLI's default).</summary>
    [Params(false, true)]
    public bool SafetyRules { get; set; }

    /// <summary>Loads the gate and takes <see cref="Batch"/> hand-written pairs (cycled).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var root = Aligner.Benchmarks.Harness.RunEnvironment.FindRepository(Path.Combine("samples", "models", "aligner-v3", "gate", "gate.json")) ?? throw new InvalidOperationException("Run from the repository: samples/models/aligner-v3/gate was not found above the working or program folder.");
        (var gate, var encoder) = Aligner.Backends.Onnx.Gating.EmbeddingGate.Load(Path.Combine(root, "samples", "models", "aligner-v3", "gate"), Environment.ProcessorCount);
        _gate = SafetyRules ? new Aligner.Gating.SafetyRulesGate(gate) : gate;
        _encoder = encoder;
        var pairs = File.ReadLines(Path.Combine(root, "tests", "data", "handwritten", "offdist.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => new CorrectionRequest(e.GetProperty("question").GetString()!, e.GetProperty("answer").GetString()!))
            .ToList();
        _requests = [.. Enumerable.Range(0, Batch).Select(i => pairs[i % pairs.Count])];
    }

    /// <summary>Releases the encoder.</summary>
    [GlobalCleanup]
    public void Cleanup() => _encoder?.Dispose();

    /// <summary>One gate call over the batch; returns how many pairs go to the corrector.</summary>
    [Benchmark]
    public async Task<int> Decide() => (await _gate!.DecideAsync(_requests)).Count(d => d.Correct);
}
