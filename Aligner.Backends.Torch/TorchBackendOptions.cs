using Aligner.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch;

/// <summary>How the TorchSharp backend loads and runs a checkpoint.</summary>
public sealed class TorchBackendOptions
{
    /// <summary>
    /// The device: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c>. Asking for CUDA where no CUDA build of libtorch
    /// or no GPU is available is an error, never a silent fallback to the CPU.
    /// </summary>
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// The weights' dtype: Float32, Float16 or BFloat16. <see langword="null"/> (<c>auto</c>): BFloat16 on CUDA; on the CPU
    /// a float32 checkpoint loads as Float32 and a 16-bit one stays 16-bit where the CPU has native 16-bit arithmetic or
    /// Float32 would not fit in memory, else is widened to Float32 (see <see cref="Loading.TorchDTypePolicy"/>).
    /// </summary>
    public ScalarType? DType { get; set; }

    /// <summary>
    /// Check before allocating anything that the weights plus a working margin fit in the memory available to the
    /// process (cgroup limit or <c>MemAvailable</c>), failing with <see cref="ModelTooLargeException"/> rather than being
    /// killed mid-load. Default <see langword="true"/>; CPU only.
    /// </summary>
    public bool CheckMemory { get; set; } = true;

    /// <summary>Bytes to treat as available to the process instead of the measured figure (a self-imposed budget), or <see langword="null"/>.</summary>
    public long? MemoryLimitBytes { get; set; }

    /// <summary>
    /// Intra-op threads libtorch uses on the CPU (process-wide); <see langword="null"/> keeps libtorch's default. The same
    /// name as <c>OnnxBackendOptions.IntraOpThreads</c>.
    /// </summary>
    public int? IntraOpThreads { get; set; }

    /// <summary>The former name of <see cref="IntraOpThreads"/>.</summary>
    [Obsolete("Use IntraOpThreads (the name both backends use).")]
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public int? CpuThreads { get => IntraOpThreads; set => IntraOpThreads = value; }

    /// <summary>The model id reported in results; <see langword="null"/> uses the checkpoint folder's name.</summary>
    public string? ModelId { get; set; }

    /// <summary>How concurrent requests are merged into batches.</summary>
    public GenerationSchedulerOptions Scheduling { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Device)) throw new ArgumentException($"{nameof(Device)} must be 'cpu', 'cuda' or 'cuda:N'.", nameof(Device));
        if (DType is { } d && d is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"{nameof(DType)} {d} is not supported for model weights; use Float32, Float16 or BFloat16 (or null for the dtype policy).", nameof(DType));
        if (MemoryLimitBytes is < 1) throw new ArgumentException($"{nameof(MemoryLimitBytes)} must be positive (was {MemoryLimitBytes}).", nameof(MemoryLimitBytes));
        if (IntraOpThreads is < 1) throw new ArgumentException($"{nameof(IntraOpThreads)} must be at least 1 (was {IntraOpThreads}).", nameof(IntraOpThreads));
        if (Scheduling is null) throw new ArgumentException($"{nameof(Scheduling)} must not be null.", nameof(Scheduling));
        Scheduling.Validate();
    }
}
