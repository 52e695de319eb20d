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

    /// <summary>The weights' dtype: Float32, Float16 or BFloat16. <see langword="null"/>: Float32 on the CPU, BFloat16 on CUDA.</summary>
    public ScalarType? DType { get; set; }

    /// <summary>Intra-op threads libtorch uses on the CPU (process-wide); <see langword="null"/> keeps libtorch's default.</summary>
    public int? CpuThreads { get; set; }

    /// <summary>The model id reported in results; <see langword="null"/> uses the checkpoint folder's name.</summary>
    public string? ModelId { get; set; }

    /// <summary>How concurrent requests are merged into batches.</summary>
    public GenerationSchedulerOptions Scheduling { get; set; } = new();

    /// <summary>The dtype to load with on <paramref name="deviceType"/>.</summary>
    public ScalarType ResolveDType(DeviceType deviceType) => DType ?? (deviceType == DeviceType.CUDA ? ScalarType.BFloat16 : ScalarType.Float32);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Device)) throw new ArgumentException($"{nameof(Device)} must be 'cpu', 'cuda' or 'cuda:N'.", nameof(Device));
        if (DType is { } d) TorchDTypes.EnsureSupported(d);
        if (CpuThreads is < 1) throw new ArgumentException($"{nameof(CpuThreads)} must be at least 1 (was {CpuThreads}).", nameof(CpuThreads));
        if (Scheduling is null) throw new ArgumentException($"{nameof(Scheduling)} must not be null.", nameof(Scheduling));
        Scheduling.Validate();
    }
}
