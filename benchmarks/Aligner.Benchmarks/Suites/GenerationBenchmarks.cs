using Aligner.Benchmarks.Measurement;
using Aligner.Benchmarks.Models;
using Aligner.Generation;
using BenchmarkDotNet.Attributes;

namespace Aligner.Benchmarks.Suites;

/// <summary>
/// Correction latency of the Torch and ONNX backends: prefill a batch of prompts, then decode greedily to a fixed
/// length (EOS ignored, so every case does the same work), across batch sizes, prompt and generated lengths, on the
/// random 135M Llama and the shipped default corrector. The columns add tokens/s and bytes allocated per token.
/// Run: <c>dotnet run -c Release --project benchmarks/Aligner.Benchmarks -- --filter *GenerationBenchmarks* --job short</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GenerationBenchmarkConfig))]
public class GenerationBenchmarks
{
    private IDecoderModel? _model;
    private int[][] _prompts = [];

    /// <summary>The models to run: the 135M Llama, and the default corrector when it is shipped.</summary>
    public static IEnumerable<string> Models => BenchmarkModels.Available();

    /// <summary>The model.</summary>
    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = BenchmarkModels.Llama135M;

    /// <summary>The backend.</summary>
    [Params(BenchmarkBackend.Torch, BenchmarkBackend.TorchBf16, BenchmarkBackend.TorchInt8, BenchmarkBackend.Onnx, BenchmarkBackend.OnnxInt8, BenchmarkBackend.OnnxPortable)]
    public BenchmarkBackend Backend { get; set; }

    /// <summary>Sequences corrected together.</summary>
    [Params(1, 4, 16)]
    public int Batch { get; set; }

    /// <summary>Prompt tokens per sequence.</summary>
    [Params(64, 512)]
    public int PromptLength { get; set; }

    /// <summary>Tokens generated per sequence.</summary>
    [Params(64, 256)]
    public int Generated { get; set; }

    /// <summary>Opens the model and draws the prompts.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var folder = BenchmarkModels.Resolve(Model, Console.Out);
        _model = BackendFactory.OpenDecoder(Backend, folder, Environment.ProcessorCount);
        if (PromptLength + Generated > _model.ContextLength)
            throw new InvalidOperationException($"{Model} holds {_model.ContextLength} positions; prompt {PromptLength} + generated {Generated} do not fit.");
        var random = new Random(7);
        _prompts = [.. Enumerable.Range(0, Batch).Select(_ => Enumerable.Range(0, PromptLength).Select(_ => random.Next(0, _model.VocabularySize)).ToArray())];
    }

    /// <summary>One correction of the batch: prefill, then <see cref="Generated"/> tokens per sequence (the first from the prefill's logits).</summary>
    [Benchmark]
    public double Correct()
    {
        var (prefill, decode) = DecoderModelSubject.Generate(_model!, _prompts, Generated - 1);
        return prefill + decode;
    }

    /// <summary>Frees the model.</summary>
    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();
}
