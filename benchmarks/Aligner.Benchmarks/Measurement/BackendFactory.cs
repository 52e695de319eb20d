using Aligner.Backends.Onnx;
using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Loading;
using Aligner.Backends.Torch.Modeling;
using Aligner.Benchmarks.Models;
using Aligner.Checkpoints;
using Aligner.Gguf;
using Aligner.Generation;
using Aligner.Tokenization;

namespace Aligner.Benchmarks.Measurement;

/// <summary>The backends a benchmark can time.</summary>
public enum BenchmarkBackend
{
    /// <summary>The TorchSharp backend (f32 on CPU).</summary>
    Torch,
    /// <summary>The ONNX Runtime backend (f32 export with ONNX Runtime's contrib operators, the default; CPU provider).</summary>
    Onnx,
    /// <summary>llama.cpp on the GGUF f32 export.</summary>
    LlamaCppF32,
    /// <summary>llama.cpp on the GGUF f16 export.</summary>
    LlamaCppF16,
    /// <summary>The ONNX Runtime backend on an export with int8 <c>MatMulNBits</c> projections (embeddings and LM head f32).</summary>
    OnnxInt8,
    /// <summary>llama.cpp on the GGUF Q8_0 export: the same bytes per projection weight as <see cref="OnnxInt8"/>, give or take the scales.</summary>
    LlamaCppQ8_0,
    /// <summary>The TorchSharp backend with the weights in bfloat16 (half the bytes of <see cref="Torch"/>; norms and softmax stay float32).</summary>
    TorchBf16,
    /// <summary>The TorchSharp backend with int8 projection weights (a float32 scale per block of 32, as <see cref="LlamaCppQ8_0"/>; activations float32).</summary>
    TorchInt8,
    /// <summary>The ONNX Runtime backend on the portable f32 export (default-domain operators only, <see cref="OnnxOperators.Portable"/>).</summary>
    OnnxPortable,
    /// <summary>llama.cpp on the GGUF BF16 export: the same bytes per weight as <see cref="TorchBf16"/>.</summary>
    LlamaCppBf16,
}

/// <summary>Opens the same checkpoint in each backend, all with the same number of threads.</summary>
public static class BackendFactory
{
    /// <summary>The display name of a backend.</summary>
    public static string DisplayName(BenchmarkBackend backend) => backend switch
    {
        BenchmarkBackend.Torch => "torch f32",
        BenchmarkBackend.TorchBf16 => "torch bf16",
        BenchmarkBackend.TorchInt8 => "torch int8",
        BenchmarkBackend.Onnx => "onnx f32",
        BenchmarkBackend.OnnxPortable => "onnx f32 portable",
        BenchmarkBackend.LlamaCppF32 => "llama.cpp f32",
        BenchmarkBackend.OnnxInt8 => "onnx int8",
        BenchmarkBackend.LlamaCppQ8_0 => "llama.cpp q8_0",
        BenchmarkBackend.LlamaCppBf16 => "llama.cpp bf16",
        _ => "llama.cpp f16",
    };

    /// <summary>Opens the Torch backend's decoder for a checkpoint.</summary>
    public static TorchDecoderModel OpenTorch(string checkpointFolder, int threads, TorchSharp.torch.ScalarType dtype = TorchSharp.torch.ScalarType.Float32, bool int8 = false)
    {
        TorchRuntime.EnsureInitialized();
        TorchSharp.torch.set_num_threads(threads);
        var folder = CheckpointFolder.Open(checkpointFolder);
        var tokenizer = TokenizerLoader.Load(checkpointFolder);
        // int8: the product's layer-by-layer int8 load with the auto dtype for what stays unquantized (float32 for a
        // float32 checkpoint such as the 135M model; bf16 for a 16-bit one on a CPU with native bf16, as at 7B, where a
        // float32 load would not fit).
        var network = int8
            ? TorchModelLoader.Load(folder, requested: null, TorchSharp.torch.CPU, quantization: TorchWeightQuantization.Int8).Model
            : CausalLanguageModel.Load(checkpointFolder, dtype);
        return new TorchDecoderModel(network, tokenizer, folder.EosTokenIds, folder.Name);
    }

    /// <summary>Opens the ONNX backend's decoder for a checkpoint (exporting it first when needed).</summary>
    public static OnnxDecoderModel OpenOnnx(string checkpointFolder, int threads, TextWriter? log = null, int? linearWeightBits = null,
        OnnxOperators operators = OnnxOperators.OnnxRuntime)
    {
        var folder = CheckpointFolder.Open(checkpointFolder);
        var exported = BenchmarkModels.EnsureOnnx(checkpointFolder, log, linearWeightBits, operators);
        var tokenizer = TokenizerLoader.Load(checkpointFolder);
        return new OnnxDecoderModel(Path.Combine(exported, "model.onnx"), tokenizer, folder.Config.MaxPositionEmbeddings, folder.EosTokenIds,
            new OnnxBackendOptions { IntraOpThreads = threads, InterOpThreads = 1 });
    }

    /// <summary>Opens a subject for timing.</summary>
    /// <param name="backend">Which backend.</param>
    /// <param name="checkpointFolder">The checkpoint.</param>
    /// <param name="threads">CPU threads.</param>
    /// <param name="contextSize">Positions the llama.cpp context holds (all sequences together).</param>
    /// <param name="sequences">Sequences llama.cpp decodes together at most.</param>
    /// <param name="log">Progress messages (exports).</param>
    public static IDecodeSubject Open(BenchmarkBackend backend, string checkpointFolder, int threads, int contextSize, int sequences, TextWriter? log = null)
    {
        var size = ModelSize.Of(CheckpointFolder.Open(checkpointFolder).Config);
        string name = DisplayName(backend);
        switch (backend)
        {
            case BenchmarkBackend.Torch:
                return new DecoderModelSubject(name, OpenTorch(checkpointFolder, threads), size.WeightBytesPerToken(4));
            case BenchmarkBackend.TorchBf16:
                return new DecoderModelSubject(name, OpenTorch(checkpointFolder, threads, TorchSharp.torch.ScalarType.BFloat16), size.WeightBytesPerToken(2));
            case BenchmarkBackend.TorchInt8:
                // Bytes per token counted as 1 per matrix weight (the per-block scales are left out), as for the other int8 rows.
                return new DecoderModelSubject(name, OpenTorch(checkpointFolder, threads, int8: true), size.WeightBytesPerToken(1));
            case BenchmarkBackend.Onnx:
                return new DecoderModelSubject(name, OpenOnnx(checkpointFolder, threads, log), size.WeightBytesPerToken(4));
            case BenchmarkBackend.OnnxPortable:
                return new DecoderModelSubject(name, OpenOnnx(checkpointFolder, threads, log, operators: OnnxOperators.Portable), size.WeightBytesPerToken(4));
            case BenchmarkBackend.OnnxInt8:
                // Bytes per token counted as 1 per matrix weight (the per-block scales and the f32 LM head are left out).
                return new DecoderModelSubject(name, OpenOnnx(checkpointFolder, threads, log, linearWeightBits: 8), size.WeightBytesPerToken(1));
            default:
                var type = backend switch
                {
                    BenchmarkBackend.LlamaCppF32 => GgufTensorType.F32,
                    BenchmarkBackend.LlamaCppQ8_0 => GgufTensorType.Q8_0,
                    BenchmarkBackend.LlamaCppBf16 => GgufTensorType.BF16,
                    _ => GgufTensorType.F16,
                };
                var gguf = BenchmarkModels.EnsureGguf(checkpointFolder, type, log);
                int bytesPerWeight = type == GgufTensorType.Q8_0 ? 1 : type.SizeInBytes();
                return new LlamaCppSubject(name, gguf, size.WeightBytesPerToken(bytesPerWeight), threads, contextSize, sequences, batchCapacity: 512);
        }
    }

    /// <summary>Opens a backend as an <see cref="IDecoderModel"/> (Torch or ONNX only).</summary>
    public static IDecoderModel OpenDecoder(BenchmarkBackend backend, string checkpointFolder, int threads) => backend switch
    {
        BenchmarkBackend.Torch => OpenTorch(checkpointFolder, threads),
        BenchmarkBackend.TorchBf16 => OpenTorch(checkpointFolder, threads, TorchSharp.torch.ScalarType.BFloat16),
        BenchmarkBackend.TorchInt8 => OpenTorch(checkpointFolder, threads, int8: true),
        BenchmarkBackend.Onnx => OpenOnnx(checkpointFolder, threads),
        BenchmarkBackend.OnnxPortable => OpenOnnx(checkpointFolder, threads, operators: OnnxOperators.Portable),
        BenchmarkBackend.OnnxInt8 => OpenOnnx(checkpointFolder, threads, linearWeightBits: 8),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "llama.cpp is timed through LlamaCppSubject."),
    };
}
