using System.Globalization;
using System.Text;
using Aligner.Benchmarks.Measurement;
using Aligner.Benchmarks.Models;

namespace Aligner.Benchmarks.Harness;

/// <summary>The result of a <see cref="SideBySideHarness"/> run: the machine's limits, each backend's speeds, and derived ratios.</summary>
public sealed class HarnessReport
{
    /// <summary>Creates a report.</summary>
    public HarnessReport(HarnessOptions options, string checkpoint, ModelSize size, MachineLimits? limits, IReadOnlyList<BackendMeasurement> backends,
        TrainingMeasurement? training, string? trainingError)
    {
        Options = options;
        Checkpoint = checkpoint;
        Size = size;
        Limits = limits;
        Backends = backends;
        Training = training;
        TrainingError = trainingError;
    }

    /// <summary>The options of the run.</summary>
    public HarnessOptions Options { get; }

    /// <summary>The checkpoint folder measured.</summary>
    public string Checkpoint { get; }

    /// <summary>The model's parameter counts.</summary>
    public ModelSize Size { get; }

    /// <summary>The machine's limits, or <see langword="null"/> when not measured.</summary>
    public MachineLimits? Limits { get; }

    /// <summary>Each backend's speeds.</summary>
    public IReadOnlyList<BackendMeasurement> Backends { get; }

    /// <summary>Trainer throughput, or <see langword="null"/> (see <see cref="TrainingError"/>).</summary>
    public TrainingMeasurement? Training { get; }

    /// <summary>Why training was not measured, or <see langword="null"/>.</summary>
    public string? TrainingError { get; }

    /// <summary>The markdown file written, once <see cref="SideBySideHarness"/> has saved it.</summary>
    public string? MarkdownPath { get; internal set; }

    /// <summary>The PNG chart written, or <see langword="null"/> when it could not be drawn.</summary>
    public string? ChartPath { get; internal set; }

    /// <summary>The reference row: llama.cpp f32 when measured.</summary>
    public BackendMeasurement? Reference => Backends.FirstOrDefault(b => b.Succeeded && b.Backend == BackendFactory.DisplayName(BenchmarkBackend.LlamaCppF32));

    /// <summary>Share of the memory bandwidth a decode speed uses: tokens/s × weight bytes per token ÷ bandwidth.</summary>
    public double? DecodeShareOfBandwidth(BackendMeasurement m) => Limits is null ? null : m.DecodeTokensPerSecond * m.WeightBytesPerToken / Limits.BandwidthBytesPerSecond;

    /// <summary>
    /// Share of the f32 GEMM peak a prefill speed uses: FLOPs per token × tokens/s ÷ peak, the output head counted as the
    /// backend computes it (every position in the portable ONNX graph; the last position elsewhere).
    /// </summary>
    public double? PrefillShareOfGemm(BackendMeasurement m) => Limits is null ? null
        : Size.PrefillFlopsPerToken(Options.PrefillLength, headEveryPosition: m.Backend == BackendFactory.DisplayName(BenchmarkBackend.OnnxPortable))
            * m.PrefillTokensPerSecond / Limits.GemmFlopsPerSecond;

    /// <summary>Share of the f32 GEMM peak the trainer uses: 6 · parameters · tokens/s ÷ peak.</summary>
    public double? TrainingShareOfGemm => Limits is null || Training is null ? null : 6.0 * Size.ForwardParameters * Training.TokensPerSecond / Limits.GemmFlopsPerSecond;

    /// <summary>The report as a markdown document: setup, limits, the table of speeds and ratios, training.</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"# Side-by-side speed: {Path.GetFileName(Checkpoint)}");
        s.AppendLine();
        s.AppendLine(c, $"{Size.TotalParameters / 1e6:F1}M parameters; {Options.Threads} threads; prefill {Options.PrefillLength} tokens; decode {Options.DecodeSteps} steps after a {Options.DecodePromptLength}-token prompt; batch {Options.BatchSize}; median of {Options.Repeats} repeats (slowest–fastest in brackets).");
        s.AppendLine(c, $"Machine: {Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}. Figures are noisy on a shared machine; compare ratios.");
        if (Options.CoTenantThreads > 0)
            s.AppendLine(c, $"Under a co-tenant load: another process kept {Options.CoTenantThreads} threads busy for the whole run (limits included).");
        s.AppendLine();
        if (Limits is { } l)
        {
            s.AppendLine(c, $"Limits measured in this run: memory read {l.VectorReadBytesPerSecond / 1e9:F1} GB/s (vector reads), {l.GemvBytesPerSecond / 1e9:F1} GB/s (libtorch f32 GEMV); f32 GEMM {l.GemmFlopsPerSecond / 1e9:F0} GFLOP/s (libtorch).");
            s.AppendLine();
        }
        s.AppendLine("| backend | prefill tok/s | × llama.cpp f32 | share of GEMM peak | decode tok/s (batch 1) | × llama.cpp f32 | share of bandwidth | batch decode tok/s | batch ÷ batch 1 |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var reference = Reference;
        foreach (var m in Backends)
        {
            if (!m.Succeeded)
            {
                s.AppendLine(c, $"| {m.Backend} | failed: {m.Error?.Replace('|', '/').ReplaceLineEndings(" ")} | | | | | | | |");
                continue;
            }
            s.AppendLine(c, $"| {m.Backend} | {m.PrefillTokensPerSecond:F0}{Range(m.PrefillRange, "F0")} | {Ratio(m.PrefillTokensPerSecond, reference?.PrefillTokensPerSecond)} | {Percent(PrefillShareOfGemm(m))} | {m.DecodeTokensPerSecond:F1}{Range(m.DecodeRange, "F1")} | {Ratio(m.DecodeTokensPerSecond, reference?.DecodeTokensPerSecond)} | {Percent(DecodeShareOfBandwidth(m))} | {m.BatchDecodeTokensPerSecond:F1}{Range(m.BatchDecodeRange, "F1")} | {m.BatchSpeedup:F2}× |");
        }
        s.AppendLine();
        if (Training is { } t)
        {
            s.AppendLine(c, $"SFT training (Torch, full fine-tuning, AdamW; one timed optimizer step of {t.MicroBatchSize} × {t.AccumulationSteps} rows, the defaults, rows of {t.MeanRowTokens:F0} tokens on average and up to {t.MaxRowTokens}; median of {t.Float32.Repeats} repeats, slowest–fastest; tokens exclude padding; share of the f32 GEMM peak at 6 FLOPs per parameter per token):");
            s.AppendLine();
            s.AppendLine("| configuration | tokens/s | share of GEMM peak |");
            s.AppendLine("|---|---:|---:|");
            void Row(string name, TrainingSample? sample)
            {
                if (sample is null) return;
                s.AppendLine(c, $"| {name} | {sample.TokensPerSecond:F0}{Range(sample.Range, "F0")} | {Percent(Limits is null ? null : 6.0 * Size.ForwardParameters * sample.TokensPerSecond / Limits.GemmFlopsPerSecond)} |");
            }
            Row("f32 (default: rows grouped by length within the step)", t.Float32);
            Row("bf16 products (`--compute-dtype bf16`), grouped", t.MixedPrecision);
            Row("f32, micro-batches in planned order (`GroupByLength = false`)", t.PlannedOrder);
            if (t.PlannedOrder is { } p) s.AppendLine().AppendLine(c, $"Grouping by length: {Ratio(t.Float32.TokensPerSecond, p.TokensPerSecond)} the planned order's tokens/s.");
        }
        else if (TrainingError is not null)
            s.AppendLine(c, $"SFT training: not measured ({TrainingError}).");
        return s.ToString();
    }

    private static string Ratio(double value, double? reference) =>
        reference is > 0 ? (value / reference.Value).ToString("F2", CultureInfo.InvariantCulture) + "×" : "–";

    private static string Range((double Min, double Max)? range, string format) =>
        range is { } r ? $" ({r.Min.ToString(format, CultureInfo.InvariantCulture)}–{r.Max.ToString(format, CultureInfo.InvariantCulture)})" : "";

    private static string Percent(double? share) => share is { } v ? (100 * v).ToString("F0", CultureInfo.InvariantCulture) + "%" : "–";
}
