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
        logger.LogInformation("Loaded ONNX decoder {Model} on {Provider}: {Layers} layers, {KvHeads} KV heads × {HeadDim}, vocabulary {Vocabulary}, cache {CacheType}.",
            modelPath, ExecutionProvider, Signature.LayerCount, Signature.KeyValueHeadCount, Signature.HeadDim, Signature.VocabularySize, Signature.CacheType);
    }

    public InferenceSession Session { get; }

    public OnnxDecoderSignature Signature { get; }

    public OnnxExecutionProvider ExecutionProvider { get; }

    /// <summary>Most prompt positions one prefill run covers.</summary>
    public int PrefillChunkLength { get; }

    /// <summary>Where present/past KV tensors live between steps (device memory under CUDA).</summary>
    public OrtMemoryInfo CacheMemory { get; }

    public void Dispose()
    {
        Session.Dispose();
        if (!ReferenceEquals(CacheMemory, OrtMemoryInfo.DefaultInstance)) CacheMemory.Dispose();
    }
}
