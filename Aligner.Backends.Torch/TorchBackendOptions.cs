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
    /// How the linear projections' weights are held. <see cref="TorchWeightQuantization.None"/> (default): in
    /// <see cref="DType"/>. <see cref="TorchWeightQuantization.Int8"/>: quantized after loading to int8 with a scale per
    /// block of 32 inputs (as llama.cpp's Q8_0), which halves the bytes a bfloat16 model reads per token (a quarter of
    /// float32's); embeddings and norms keep <see cref="DType"/>. CPU only; logits move by about 1 % of their spread
    /// (see the README's int8 table). Each layer is quantized as soon as it is read, so the load peaks at the int8 model
    /// plus one layer. <see cref="TorchWeightQuantization.WhenNeeded"/>: int8 only when the model would not fit otherwise.
    /// </summary>
    public TorchWeightQuantization Quantization { get; set; }

    /// <summary>
    /// Where the weights live. <see cref="TorchWeightStorage.Auto"/> (default): mapped from the checkpoint files when
    /// they hold at least <see cref="TorchWeightStorage"/>'s 1 GiB in the model's dtype on the CPU (Linux), else read into
    /// memory. See <see cref="TorchWeightStorage"/>.
    /// </summary>
    public TorchWeightStorage WeightStorage { get; set; }

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
        if (!Enum.IsDefined(Quantization)) throw new ArgumentException($"{nameof(Quantization)} {Quantization} is not a known quantization.", nameof(Quantization));
        if (Quantization == TorchWeightQuantization.Int8 && !Device.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{nameof(Quantization)} {Quantization} runs on the CPU only (Device is '{Device}').", nameof(Quantization));
        if (!Enum.IsDefined(WeightStorage)) throw new ArgumentException($"{nameof(WeightStorage)} {WeightStorage} is not a known weight storage.", nameof(WeightStorage));
        if (MemoryLimitBytes is < 1) throw new ArgumentException($"{nameof(MemoryLimitBytes)} must be positive (was {MemoryLimitBytes}).", nameof(MemoryLimitBytes));
        if (IntraOpThreads is < 1) throw new ArgumentException($"{nameof(IntraOpThreads)} must be at least 1 (was {IntraOpThreads}).", nameof(IntraOpThreads));
        if (Scheduling is null) throw new ArgumentException($"{nameof(Scheduling)} must not be null.", nameof(Scheduling));
        Scheduling.Validate();
    }
}

/// <summary>How the TorchSharp backend holds the linear projections' weights.</summary>
public enum TorchWeightQuantization
{
    /// <summary>In the model's dtype.</summary>
    None,

    /// <summary>Signed 8-bit values with one float32 scale per block of 32 inputs (weight-only; activations stay floating point).</summary>
    Int8,

    /// <summary>
    /// <see cref="None"/> when the model fits in the available memory in its dtype, else <see cref="Int8"/> when that
    /// fits (logged as a warning), else the pre-flight check's <see cref="ModelTooLargeException"/>. Off the
    /// CPU, or when the memory check is off or the available memory is unknown, it is <see cref="None"/>. The CLI's default.
    /// </summary>
    WhenNeeded,
}

/// <summary>Where the TorchSharp backend holds a checkpoint's weights on the CPU.</summary>
public enum TorchWeightStorage
{
    /// <summary>
    /// <see cref="MappedFile"/> for checkpoints of at least 1 GiB that can be mapped (a load of seconds instead of a copy
    /// of every byte, and no second copy beside the page cache), <see cref="Memory"/> otherwise.
    /// </summary>
    Auto,

    /// <summary>Read into memory the process owns (converted where the model's dtype differs from the file's).</summary>
    Memory,

    /// <summary>
    /// Memory-mapped from the checkpoint files (private, copy-on-write: the files are never modified) wherever every
    /// tensor is stored in the model's dtype at an aligned offset, on the CPU, on Linux (with int8 quantization the
    /// projections are quantized from the mapping, layer by layer, and their mapped pages dropped);
    /// otherwise read into memory, and the reason is logged. Do not truncate or rewrite the files in place while a model
    /// is mapped from them.
    /// </summary>
    MappedFile,
}
