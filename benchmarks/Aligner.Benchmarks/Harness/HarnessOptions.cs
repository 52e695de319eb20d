using Aligner.Benchmarks.Measurement;

namespace Aligner.Benchmarks.Harness;

/// <summary>What <see cref="SideBySideHarness"/> measures and where it writes the results.</summary>
public sealed record HarnessOptions
{
    /// <summary>The checkpoint: a folder, <c>llama-135m</c> (built with random weights on first use, the default) or <c>aligner-demo</c>.</summary>
    public string Model { get; init; } = Models.BenchmarkModels.Llama135M;

    /// <summary>The backends timed, in report order.</summary>
    public IReadOnlyList<BenchmarkBackend> Backends { get; init; } =
        [BenchmarkBackend.Torch, BenchmarkBackend.Onnx, BenchmarkBackend.LlamaCppF32, BenchmarkBackend.LlamaCppF16];

    /// <summary>CPU threads every backend uses (default: all logical processors).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Prompt length of the prefill measurement.</summary>
    public int PrefillLength { get; init; } = 512;

    /// <summary>Prompt length before the decode measurements.</summary>
    public int DecodePromptLength { get; init; } = 64;

    /// <summary>Greedy steps timed in each decode measurement.</summary>
    public int DecodeSteps { get; init; } = 32;

    /// <summary>Rows of the batched decode measurement.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Timed repetitions of each measurement; the report gives their median and range (the machine may be shared).</summary>
    public int Repeats { get; init; } = 3;

    /// <summary>Whether to measure the machine's limits (bandwidth, GEMM).</summary>
    public bool MeasureLimits { get; init; } = true;

    /// <summary>Whether to time the SFT trainer (a few full fine-tuning steps on the same checkpoint).</summary>
    public bool MeasureTraining { get; init; } = true;

    /// <summary>Repeats of the training measurement; <see langword="null"/>: <see cref="Repeats"/>.</summary>
    public int? TrainingRepeats { get; init; }

    /// <summary>Time only the trainer (no backend is opened).</summary>
    public bool TrainingOnly { get; init; }

    /// <summary>
    /// Whether each timing runs in a child process of its own (the default): libtorch's OpenMP workers, ONNX Runtime's
    /// and llama.cpp's thread pools in one process take cores from one another. Off: all backends share this process.
    /// </summary>
    public bool Isolated { get; init; } = true;

    /// <summary>
    /// Busy threads of a co-tenant process kept running for the whole run (0: none), to measure how each backend holds
    /// up when a neighbour takes cores: compare with a run without it.
    /// </summary>
    public int CoTenantThreads { get; init; }

    /// <summary>Where the markdown table and the PNG chart are written.</summary>
    public string OutputFolder { get; init; } = "bench-results";

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Model);
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputFolder);
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(PrefillLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PrefillLength, 512);
        ArgumentOutOfRangeException.ThrowIfLessThan(DecodePromptLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(DecodeSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(Repeats, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(CoTenantThreads);
        if (TrainingRepeats is < 1) throw new ArgumentOutOfRangeException(nameof(TrainingRepeats), TrainingRepeats, "must be at least 1");
        if (TrainingOnly && !MeasureTraining) throw new ArgumentException("--training-only and --no-training contradict each other.");
        if (!TrainingOnly && (Backends is null || Backends.Count == 0)) throw new ArgumentException("At least one backend is needed.", nameof(Backends));
    }
}
