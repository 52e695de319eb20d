using Aligner.Backends.Onnx.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace Aligner.Backends.Onnx.Tests;

/// <summary>Float16 weights and external data files.</summary>
public sealed class OnnxWeightStorageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private float[] PromptLogits(string modelPath, int[] prompt)
    {
        using var runtime = new OnnxDecoderRuntime(modelPath, new OnnxBackendOptions(), NullLogger.Instance);
        var logits = new float[runtime.Signature.VocabularySize * 2];
        using var session = runtime.StartSession(1, prompt.Length + 1, CancellationToken.None);
        session.Prefill(prompt, [.. prompt.Select(_ => 1)], prompt.Length, logits.AsSpan(0, runtime.Signature.VocabularySize));
        session.Step([prompt[0]], logits.AsSpan(runtime.Signature.VocabularySize));
        return logits;
    }

    [Fact]
    public void External_data_holds_the_weights_and_gives_the_same_logits()
    {
        var checkpoint = TinyCheckpoint.Write(TinyCheckpoint.Config("mistral"), seed: 12, folder: _temp.Sub("ckpt"));
        var inline = OnnxExporter.Export(checkpoint, _temp.Sub("inline"));
        var external = OnnxExporter.Export(checkpoint, _temp.Sub("external"), new OnnxExportOptions { ExternalData = true });

        Assert.Null(inline.ExternalDataPath);
        Assert.Equal(Path.Combine(_temp.Sub("external"), "model.onnx.data"), external.ExternalDataPath);
        Assert.True(new FileInfo(external.ExternalDataPath!).Length >= external.WeightBytes);
        Assert.True(new FileInfo(external.ModelPath).Length < new FileInfo(inline.ModelPath).Length / 4);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(external.ModelPath));
        var embedding = model.Graph.Initializer.Single(t => t.Name == "model.embed_tokens.weight");
        Assert.Equal(TensorProto.Types.DataLocation.External, embedding.DataLocation);
        Assert.Equal("model.onnx.data", embedding.ExternalData.Single(e => e.Key == "location").Value);

        int[] prompt = [1, 8, 16, 32, 64];
        Assert.Equal(PromptLogits(inline.ModelPath, prompt), PromptLogits(external.ModelPath, prompt));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gemma")]
    public void Float16_export_runs_with_a_float16_cache_and_stays_close_to_float32(string architecture)
    {
        var checkpoint = TinyCheckpoint.Write(TinyCheckpoint.Config(architecture), seed: 13, folder: _temp.Sub("ckpt"));
        var f32 = OnnxExporter.Export(checkpoint, _temp.Sub("f32"));
        var f16 = OnnxExporter.Export(checkpoint, _temp.Sub("f16"), new OnnxExportOptions { WeightType = OnnxWeightType.Float16 });
        Assert.Equal(f32.WeightBytes, 2 * f16.WeightBytes - NormBytes(f16.ModelPath));

        using (var runtime = new OnnxDecoderRuntime(f16.ModelPath, new OnnxBackendOptions(), NullLogger.Instance))
        {
            Assert.Equal(TensorElementType.Float16, runtime.Signature.CacheType);
            Assert.Equal(TensorElementType.Float, runtime.Signature.LogitsType);
        }
        int[] prompt = [1, 8, 16, 32, 64, 3, 5];
        var reference = PromptLogits(f32.ModelPath, prompt);
        var half = PromptLogits(f16.ModelPath, prompt);
        float worst = reference.Zip(half, (a, b) => Math.Abs(a - b)).Max();
        float scale = reference.Max(Math.Abs);
        output.WriteLine($"{architecture}: float16 vs float32 max abs logit difference {worst:E3} (max |logit| {scale:F2})");
        Assert.True(worst < 0.02f * scale, $"float16 drifted by {worst} (logit scale {scale})");
        Assert.True(worst > 0, "float16 export gave bit-identical logits: the weights were not converted");
    }

    [Theory]
    [InlineData("llama", 8, 0.05f, OnnxOperators.OnnxRuntime)]
    [InlineData("llama", 4, 0.35f, OnnxOperators.OnnxRuntime)]
    [InlineData("qwen2", 8, 0.05f, OnnxOperators.OnnxRuntime)]
    [InlineData("gemma", 4, 0.35f, OnnxOperators.OnnxRuntime)]
    [InlineData("llama", 8, 0.05f, OnnxOperators.Portable)]
    public void MatMulNBits_export_quantizes_every_projection_and_stays_close_to_float32(string architecture, int bits, float tolerance, OnnxOperators operators)
    {
        var config = TinyCheckpoint.Config(architecture);
        var checkpoint = TinyCheckpoint.Write(config, seed: 14, folder: _temp.Sub("ckpt"));
        var f32 = OnnxExporter.Export(checkpoint, _temp.Sub("f32"), new OnnxExportOptions { Operators = operators });
        var quantized = OnnxExporter.Export(checkpoint, _temp.Sub($"q{bits}"), new OnnxExportOptions { LinearWeightBits = bits, Operators = operators });

        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(quantized.ModelPath));
        var nodes = model.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
        // Portable: q, k, v, o, gate, up, down; contrib: packed qkv, o, packed gate/up, down; then the LM head, at 8 bits.
        Assert.Equal((operators == OnnxOperators.Portable ? 7 : 4) * config.NumHiddenLayers + 1, nodes.Count);
        Assert.All(nodes, n => Assert.Equal("com.microsoft", n.Domain));
        Assert.All(nodes[..^1], n => Assert.Equal(bits, n.Attribute.Single(a => a.Name == "bits").I));
        Assert.Equal(8, nodes[^1].Attribute.Single(a => a.Name == "bits").I);
        Assert.Equal(config.VocabSize, nodes[^1].Attribute.Single(a => a.Name == "N").I);
        Assert.Contains(model.OpsetImport, o => o.Domain == "com.microsoft" && o.Version == 1);
        Assert.True(quantized.WeightBytes < f32.WeightBytes, $"{quantized.WeightBytes} bytes quantized vs {f32.WeightBytes} float32");

        int[] prompt = [1, 8, 16, 32, 64, 3, 5];
        var reference = PromptLogits(f32.ModelPath, prompt);
        var actual = PromptLogits(quantized.ModelPath, prompt);
        float worst = reference.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        float scale = reference.Max(Math.Abs);
        int vocab = reference.Length / 2;
        int agree = Enumerable.Range(0, 2).Count(p => ArgMax(reference.AsSpan(p * vocab, vocab)) == ArgMax(actual.AsSpan(p * vocab, vocab)));
        output.WriteLine($"{architecture} int{bits}: max abs logit difference vs float32 {worst:E3} (max |logit| {scale:F2}), top-1 agrees at {agree} of 2 positions; weights {quantized.WeightBytes} vs {f32.WeightBytes} bytes");
        Assert.True(worst < tolerance * scale, $"int{bits} drifted by {worst} (logit scale {scale})");
        Assert.True(worst > 0, "quantized export gave bit-identical logits");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>Bytes of float32 initializers in a float16 model (Gemma's (1 + w) norm weights stay float32).</summary>
    private static long NormBytes(string path) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer
            .Where(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Name.EndsWith("norm.weight", StringComparison.Ordinal))
            .Sum(t => (long)t.RawData.Length);
}
