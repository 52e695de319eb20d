using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Aligner.Backends.Onnx;

/// <summary>
/// The ONNX Runtime side of a decoder: the <see cref="InferenceSession"/> on its execution provider, the model's
/// KV-cache signature, and where cache tensors live. Shared by all generation sessions (ONNX Runtime runs are thread-safe).
/// </summary>
internal sealed class OnnxDecoderRuntime : IDisposable
{
    public OnnxDecoderRuntime(string modelPath, OnnxBackendOptions options, ILogger logger)
    {
        PrefillChunkLength = options.PrefillChunkLength;
        if (!File.Exists(modelPath)) throw new ModelFormatException(modelPath, null, "the ONNX model file does not exist.");
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.GraphOptimizationLevel,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
        };
        if (!options.AllowSpinning) sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        ExecutionProvider = OnnxExecutionProvider.Cpu;
        if (options.ExecutionProvider == OnnxExecutionProvider.Cuda)
        {
            try
            {
                sessionOptions.AppendExecutionProvider_CUDA(options.CudaDeviceId);
                ExecutionProvider = OnnxExecutionProvider.Cuda;
            }
            catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                if (!options.FallBackToCpu)
                    throw new OnnxExecutionProviderException(
                        $"Device '{options.Device}' was requested but ONNX Runtime's CUDA execution provider could not start ({e.Message}). " +
                        "Reference Microsoft.ML.OnnxRuntime.Gpu with the CUDA and cuDNN libraries it needs, use Device = \"cpu\", " +
                        $"or set {nameof(OnnxBackendOptions.FallBackToCpu)} to run on the CPU instead.", e);
                logger.LogWarning("The CUDA execution provider could not start ({Reason}); {Model} runs on the CPU.", e.Message, modelPath);
            }
        }
        try
        {
            Session = new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException(modelPath, null, $"ONNX Runtime cannot load the model: {e.Message}", e);
        }
        try
        {
            Signature = OnnxDecoderSignature.Read(modelPath, Session.InputMetadata, Session.OutputMetadata);
        }
        catch
        {
            Session.Dispose();
            throw;
        }
        CacheMemory = ExecutionProvider == OnnxExecutionProvider.Cuda
            ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, options.CudaDeviceId, OrtMemType.Default)
            : OrtMemoryInfo.DefaultInstance;
        SharesCache = UsesGroupQueryAttention(Session, modelPath);
        CacheAllocator = ExecutionProvider == OnnxExecutionProvider.Cuda ? new OrtAllocator(Session, CacheMemory) : OrtAllocator.DefaultInstance;
        logger.LogInformation("Loaded ONNX decoder {Model} on {Provider}: {Layers} layers, {KvHeads} KV heads × {HeadDim}, vocabulary {Vocabulary}, cache {CacheType} ({CacheKind}).",
            modelPath, ExecutionProvider, Signature.LayerCount, Signature.KeyValueHeadCount, Signature.HeadDim, Signature.VocabularySize, Signature.CacheType,
            SharesCache ? "GroupQueryAttention, shared in place" : "concatenated per step");
    }

    public InferenceSession Session { get; }

    public OnnxDecoderSignature Signature { get; }

    public OnnxExecutionProvider ExecutionProvider { get; }

    /// <summary>Most prompt positions one prefill run covers.</summary>
    public int PrefillChunkLength { get; }

    /// <summary>Where present/past KV tensors live between steps (device memory under CUDA).</summary>
    public OrtMemoryInfo CacheMemory { get; }

    /// <summary>Allocates cache buffers in <see cref="CacheMemory"/>.</summary>
    public OrtAllocator CacheAllocator { get; }

    /// <summary>
    /// The model's attention is ONNX Runtime's <c>GroupQueryAttention</c>: the cache is one buffer shared by past and
    /// present, each row's tokens from position 0 (<see cref="OnnxSharedCacheSession"/>). Otherwise Hugging Face's
    /// layout, left padding and a cache that grows by concatenation (<see cref="OnnxDecoderSession"/>).
    /// </summary>
    public bool SharesCache { get; }

    /// <summary>
    /// Runs <paramref name="binding"/>; a run that <paramref name="runOptions"/>' <see cref="RunOptions.Terminate"/> stopped
    /// because <paramref name="cancellationToken"/> fired becomes an <see cref="OperationCanceledException"/>.
    /// </summary>
    public void Run(RunOptions runOptions, OrtIoBinding binding, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            Session.RunWithBinding(runOptions, binding);
        }
        catch (OnnxRuntimeException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The ONNX Runtime run was terminated by cancellation.", e, cancellationToken);
        }
    }

    /// <summary>A generation session of the kind this model's cache needs.</summary>
    public Generation.IDecoderSession StartSession(int batch, int maxLength, CancellationToken cancellationToken) =>
        SharesCache
            ? new OnnxSharedCacheSession(this, batch, maxLength, cancellationToken)
            : new OnnxDecoderSession(this, batch, maxLength, cancellationToken);

    /// <summary>Our export marks the contract in its metadata; ONNX Runtime GenAI's builder in <c>genai_config.json</c>.</summary>
    private static bool UsesGroupQueryAttention(InferenceSession session, string modelPath)
    {
        if (session.ModelMetadata.CustomMetadataMap.TryGetValue(Export.ContribDecoderGraphWriter.AttentionMetadataKey, out var attention))
            return attention == Export.ContribDecoderGraphWriter.AttentionMetadataValue;
        var genAiConfig = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, Export.GenAiConfigWriter.FileName);
        if (!File.Exists(genAiConfig)) return false;
        try
        {
            var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(genAiConfig));
            return root?["search"]?["past_present_share_buffer"]?.GetValue<bool>() == true;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException(genAiConfig, "search.past_present_share_buffer", $"genai_config.json beside the model cannot be read: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        if (!ReferenceEquals(CacheAllocator, OrtAllocator.DefaultInstance)) CacheAllocator.Dispose();
        Session.Dispose();
        if (!ReferenceEquals(CacheMemory, OrtMemoryInfo.DefaultInstance)) CacheMemory.Dispose();
    }
}
