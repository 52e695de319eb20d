using Aligner.Generation;
using Microsoft.ML.OnnxRuntime;

namespace Aligner.Backends.Onnx;

/// <summary>Options of the ONNX Runtime backend.</summary>
public sealed class OnnxBackendOptions
{
    /// <summary>File name of the decoder inside the model folder. Default <c>model.onnx</c>.</summary>
    public string ModelFileName { get; set; } = "model.onnx";

    /// <summary>
    /// The device, named as <c>TorchBackendOptions.Device</c> names it: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c>.
    /// Setting it sets <see cref="ExecutionProvider"/> and <see cref="CudaDeviceId"/>; reading it describes them.
    /// </summary>
    /// <exception cref="ArgumentException">Not <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> with N ≥ 0.</exception>
    public string Device
    {
        get => ExecutionProvider == OnnxExecutionProvider.Cuda ? (CudaDeviceId == 0 ? "cuda" : $"cuda:{CudaDeviceId}") : "cpu";
        set
        {
            var name = value?.Trim().ToLowerInvariant();
            if (name == "cpu") { ExecutionProvider = OnnxExecutionProvider.Cpu; CudaDeviceId = 0; }
            else if (name == "cuda") { ExecutionProvider = OnnxExecutionProvider.Cuda; CudaDeviceId = 0; }
            else if (name is not null && name.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int ordinal))
            { ExecutionProvider = OnnxExecutionProvider.Cuda; CudaDeviceId = ordinal; }
            else throw new ArgumentException($"{nameof(Device)} must be 'cpu', 'cuda' or 'cuda:N' (was '{value}').", nameof(Device));
        }
    }

    /// <summary>The execution provider (what <see cref="Device"/> sets). Default <see cref="OnnxExecutionProvider.Cpu"/>.</summary>
    public OnnxExecutionProvider ExecutionProvider { get; set; } = OnnxExecutionProvider.Cpu;

    /// <summary>CUDA device ordinal used with <see cref="OnnxExecutionProvider.Cuda"/>.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// When the CUDA execution provider cannot start: <see langword="false"/> (default) fails the load with
    /// <see cref="OnnxExecutionProviderException"/>, as the Torch backend refuses an unavailable device;
    /// <see langword="true"/> logs a warning and runs on the CPU (<see cref="OnnxDecoderModel.ExecutionProvider"/> says which ran).
    /// </summary>
    public bool FallBackToCpu { get; set; }

    /// <summary>Threads inside one operator (0: ONNX Runtime's default, one per physical core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Threads running independent operators in parallel (0: ONNX Runtime's default).</summary>
    public int InterOpThreads { get; set; }

    /// <summary>Graph optimisation level. Default <see cref="GraphOptimizationLevel.ORT_ENABLE_ALL"/>.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin between operators waiting for more work (ONNX Runtime's default,
    /// <see langword="true"/>): the fastest decode on an idle machine. <see langword="false"/> makes them sleep, which
    /// leaves the cores to other processes between steps; on 2 cores it cost 18 % of idle batch-1 decode (135M model,
    /// 72.6 against 59.8 tok/s) and changed nothing measurable beside a 2-thread co-tenant (24.8 against 25.9 tok/s).
    /// </summary>
    public bool AllowSpinning { get; set; } = true;

    /// <summary>
    /// Most prompt positions one prefill run covers; longer prompts run in chunks through the KV cache, which bounds the
    /// memory of the logits (<c>[batch, chunk, vocab]</c>) and attention scores. Default 512.
    /// </summary>
    public int PrefillChunkLength { get; set; } = 512;

    /// <summary>How concurrent requests are merged into batches.</summary>
    public GenerationSchedulerOptions Scheduling { get; set; } = new();

    /// <summary>
    /// Overrides the context length (otherwise <c>genai_config.json</c>'s <c>context_length</c>, else
    /// <c>config.json</c>'s <c>max_position_embeddings</c>).
    /// </summary>
    public int? ContextLength { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (Scheduling is null) throw new ArgumentException($"{nameof(Scheduling)} must not be null.", nameof(Scheduling));
        Scheduling.Validate();
        if (string.IsNullOrWhiteSpace(ModelFileName)) throw new ArgumentException("ModelFileName must name a file.", nameof(ModelFileName));
        if (!Enum.IsDefined(ExecutionProvider)) throw new ArgumentException($"Unknown execution provider {ExecutionProvider}.", nameof(ExecutionProvider));
        if (CudaDeviceId < 0) throw new ArgumentException("CudaDeviceId must be 0 or more.", nameof(CudaDeviceId));
        if (IntraOpThreads < 0) throw new ArgumentException("IntraOpThreads must be 0 (default) or more.", nameof(IntraOpThreads));
        if (InterOpThreads < 0) throw new ArgumentException("InterOpThreads must be 0 (default) or more.", nameof(InterOpThreads));
        if (PrefillChunkLength < 1) throw new ArgumentException("PrefillChunkLength must be at least 1.", nameof(PrefillChunkLength));
        if (ContextLength is <= 1) throw new ArgumentException("ContextLength must be at least 2.", nameof(ContextLength));
    }
}
