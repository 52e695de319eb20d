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
    [InlineData("llama", GgufTensorType.BF16, 1e-1)]
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

    /// <summary>
    /// Q8_0 (8-bit blocks): llama.cpp's logits stay within 10 % of the logit scale of the Torch backend's float32 ones on
    /// the tiny checkpoints, and its greedy tokens agree on most positions (measured, printed; a random tiny model has
    /// near-ties that 8-bit weights may flip, so agreement is bounded below, not required to be total).
    /// </summary>
    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    public void A_q8_0_export_runs_in_llama_cpp_close_to_float32(string architecture)
    {
        using var checkpoint = architecture == "llama" ? TinyCheckpoint.Llama() : TinyCheckpoint.Qwen2();
        var path = Path.Combine(_output, $"{architecture}-q8_0.gguf");
        var gguf = GgufExporter.Export(checkpoint.Path, path, new GgufExportOptions { WeightType = GgufTensorType.Q8_0 });
        Assert.Equal(7, gguf.Require("general.file_type").AsInteger());
        Assert.Contains(gguf.TensorInfos, t => t.Type == GgufTensorType.Q8_0);
        int[] prompt = architecture == "llama" ? [1, 22557, 28725, 1526, 28808, 851, 349, 264, 1369] : [104, 101, 259, 32, 119, 264, 268, 10, 33];

        using var torch = new TorchReference(checkpoint.Path);
        using var llama = new LlamaCppModel(path);
        var expectedLogits = torch.LastLogits(prompt);
        var actualLogits = llama.AllLogits(prompt)[^1];
        double maxDiff = expectedLogits.Zip(actualLogits, (a, b) => Math.Abs(a - b)).Max();
        double scale = expectedLogits.Max(Math.Abs);
        var expected = torch.Greedy(prompt, Generated);
        var actual = llama.Greedy(prompt, Generated);
        int agree = expected.Zip(actual).TakeWhile(p => p.First == p.Second).Count();
        output.WriteLine($"{architecture} Q8_0: last-position logits max |torch f32 - llama.cpp q8_0| = {maxDiff:E3} (logit scale {scale:F2}); greedy tokens agree on the first {agree} of {Generated}");
        Assert.True(maxDiff < 0.1 * Math.Max(1, scale), $"max abs logit difference {maxDiff} exceeds {0.1 * Math.Max(1, scale)}");
        Assert.True(agree >= 4, $"greedy tokens diverge at position {agree}");
    }
}
