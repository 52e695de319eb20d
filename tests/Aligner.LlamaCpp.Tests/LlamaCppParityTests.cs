using Aligner.Gguf;
using Xunit.Abstractions;

namespace Aligner.LlamaCpp.Tests;

/// <summary>
/// llama.cpp, an independent Llama implementation, runs our GGUF export of a checkpoint; its greedy tokens (fed the
/// same prompt ids) must equal the Torch backend's on the original checkpoint, and its logits must be close.
/// </summary>
public sealed class LlamaCppParityTests(ITestOutputHelper output) : IDisposable
{
    private const int Generated = 24;
    private readonly string _output = Path.Combine(Path.GetTempPath(), "aligner-gguf-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output)) Directory.Delete(_output, recursive: true);
    }

    [Theory]
    [InlineData("llama", GgufTensorType.F32, 2e-3)]
    [InlineData("llama", GgufTensorType.F16, 5e-2)]
    [InlineData("qwen2", GgufTensorType.F32, 2e-3)]
    [InlineData("qwen2", GgufTensorType.F16, 5e-2)]
    public void Greedy_tokens_and_logits_of_llama_cpp_match_the_torch_backend(string architecture, GgufTensorType weightType, double tolerance)
    {
        using var checkpoint = architecture == "llama" ? TinyCheckpoint.Llama() : TinyCheckpoint.Qwen2();
        var path = Path.Combine(_output, $"{architecture}-{weightType}.gguf");
        GgufExporter.Export(checkpoint.Path, path, new GgufExportOptions { WeightType = weightType });
        int[] prompt = architecture == "llama" ? [1, 22557, 28725, 1526, 28808, 851, 349, 264, 1369] : [104, 101, 259, 32, 119, 264, 268, 10, 33];

        using var torch = new TorchReference(checkpoint.Path);
        using var llama = new LlamaCppModel(path);
        Assert.Equal(torch.VocabSize, llama.VocabSize);

        var expectedLogits = torch.LastLogits(prompt);
        var actualLogits = llama.AllLogits(prompt)[^1];
        double maxDiff = expectedLogits.Zip(actualLogits, (a, b) => Math.Abs(a - b)).Max();
        double scale = expectedLogits.Max(Math.Abs);
        output.WriteLine($"{architecture} {weightType}: last-position logits max |torch - llama.cpp| = {maxDiff:E3} (logit scale {scale:F2})");
        Assert.True(maxDiff < tolerance * Math.Max(1, scale), $"max abs logit difference {maxDiff} exceeds {tolerance * Math.Max(1, scale)}");

        var expected = torch.Greedy(prompt, Generated);
        var actual = llama.Greedy(prompt, Generated);
        output.WriteLine($"torch:     {string.Join(' ', expected)}\nllama.cpp: {string.Join(' ', actual)}");
        Assert.Equal(expected, actual);
    }
}
