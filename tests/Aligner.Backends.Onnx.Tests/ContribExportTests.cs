using Aligner.Backends.Onnx.Protobuf;
using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Aligner.Backends.Onnx.Tests;

/// <summary>
/// The default export (ONNX Runtime's contrib operators: GroupQueryAttention with a cache shared in place,
/// SkipSimplifiedLayerNormalization, packed projections, last-position logits) against the Torch backend, and its
/// session's batching against single runs.
/// </summary>
public sealed class ContribExportTests(ITestOutputHelper output)
{
    public static TheoryData<string> Architectures => new() { "llama", "mistral", "qwen2", "gemma", "gemma2" };

    private static readonly int[] Tokens = [1, 5, 9, 77, 3, 41, 60, 12, 88, 19, 33, 7];

    /// <summary>Torch's float32 logits [positions, vocab] over <paramref name="tokens"/>.</summary>
    internal static float[] TorchLogits(string checkpoint, int[] tokens)
    {
        TorchRuntime.EnsureInitialized();
        using var model = CausalLanguageModel.Load(checkpoint);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length], ScalarType.Int64);
        return model.Forward(ids, null).to(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Every_positions_logits_match_the_torch_backend_within_1e_4(string architecture)
    {
        using var temp = new TempFolder();
        var config = TinyCheckpoint.Config(architecture);
        var checkpoint = TinyCheckpoint.Write(config, seed: 21, folder: temp.Sub("ckpt"));
        var export = OnnxExporter.Export(checkpoint, temp.Sub("onnx"));
        var expected = TorchLogits(checkpoint, Tokens);
        int v = config.VocabSize, n = Tokens.Length;

        // One prompt token, then a step per token: every position's logits through the shared cache. Twelve tokens
        // exceed Mistral's (6) and Gemma 2's (4) windows.
        using var runtime = new OnnxDecoderRuntime(export.ModelPath, new OnnxBackendOptions(), NullLogger.Instance);
        Assert.True(runtime.SharesCache);
        var logits = new float[v];
        float worst = 0;
        using (var session = new OnnxSharedCacheSession(runtime, 1, n, CancellationToken.None))
        {
            session.Prefill([Tokens[0]], [1], 1, logits);
            worst = Math.Max(worst, MaxDifference(expected.AsSpan(0, v), logits));
            for (int t = 1; t < n; t++)
            {
                session.Step([Tokens[t]], logits);
                worst = Math.Max(worst, MaxDifference(expected.AsSpan(t * v, v), logits));
            }
        }
        output.WriteLine($"{architecture}: max |torch - onnx| over {n}×{v} logits = {worst:E3}");
        Assert.True(worst <= 1e-4f, $"{architecture}: max abs logit difference {worst}");
        Assert.True(expected.Max(Math.Abs) > 0.5f, "logits too small for the comparison to mean anything");

        // The whole prompt in chunks of 5 (a first prompt, then continued prompts through the cache).
        using var chunked = new OnnxDecoderRuntime(export.ModelPath, new OnnxBackendOptions { PrefillChunkLength = 5 }, NullLogger.Instance);
        using (var session = new OnnxSharedCacheSession(chunked, 1, n + 1, CancellationToken.None))
        {
            session.Prefill(Tokens, [.. Tokens.Select(_ => 1)], n, logits);
            OnnxExportTests.AssertClose(expected.AsSpan((n - 1) * v, v), logits, 1e-4f);
        }
    }

    [Theory]
    [InlineData("llama", 512)]
    [InlineData("gemma2", 3)]
    [InlineData("mistral", 4)]
    [InlineData("qwen2", 1)]
    public void Batch_rows_of_unequal_length_match_single_sequence_runs(string architecture, int prefillChunk)
    {
        using var temp = new TempFolder();
        var config = TinyCheckpoint.Config(architecture);
        var checkpoint = TinyCheckpoint.Write(config, seed: 3, folder: temp.Sub("ckpt"));
        var export = OnnxExporter.Export(checkpoint, temp.Sub("onnx"));
        using var runtime = new OnnxDecoderRuntime(export.ModelPath, new OnnxBackendOptions { PrefillChunkLength = prefillChunk }, NullLogger.Instance);
        int v = config.VocabSize;

        int[] longPrompt = [1, 30, 31, 32, 33, 34, 35];
        int[] shortPrompt = [1, 50, 51, 52];
        int[] steps0 = [60, 61, 62, 63, 64], steps1 = [70, 71, 72, 73, 74];
        int length = longPrompt.Length, pad = length - shortPrompt.Length;
        int[] tokens = [.. longPrompt, .. Enumerable.Repeat(0, pad), .. shortPrompt];
        int[] mask = [.. longPrompt.Select(_ => 1), .. Enumerable.Repeat(0, pad), .. shortPrompt.Select(_ => 1)];
        var expected0 = TorchLogits(checkpoint, [.. longPrompt, .. steps0]);
        var expected1 = TorchLogits(checkpoint, [.. shortPrompt, .. steps1]);

        var logits = new float[2 * v];
        using var session = new OnnxSharedCacheSession(runtime, 2, length + steps0.Length, CancellationToken.None);
        session.Prefill(tokens, mask, length, logits);
        OnnxExportTests.AssertClose(expected0.AsSpan((longPrompt.Length - 1) * v, v), logits.AsSpan(0, v), 1e-4f);
        OnnxExportTests.AssertClose(expected1.AsSpan((shortPrompt.Length - 1) * v, v), logits.AsSpan(v, v), 1e-4f);
        for (int s = 0; s < steps0.Length; s++)
        {
            session.Step([steps0[s], steps1[s]], logits);
            OnnxExportTests.AssertClose(expected0.AsSpan((longPrompt.Length + s) * v, v), logits.AsSpan(0, v), 1e-4f);
            OnnxExportTests.AssertClose(expected1.AsSpan((shortPrompt.Length + s) * v, v), logits.AsSpan(v, v), 1e-4f);
        }
        Assert.Throws<InvalidOperationException>(() => session.Step([1, 1], logits)); // the long row is at the session's length
    }

    [Fact]
    public void The_graph_uses_the_contrib_operators_and_far_fewer_nodes_than_the_portable_one()
    {
        using var temp = new TempFolder();
        var config = TinyCheckpoint.Config("qwen2");
        var checkpoint = TinyCheckpoint.Write(config, seed: 4, folder: temp.Sub("ckpt"));
        var contrib = ModelProto.Parser.ParseFrom(File.ReadAllBytes(OnnxExporter.Export(checkpoint, temp.Sub("contrib")).ModelPath));
        var portable = ModelProto.Parser.ParseFrom(File.ReadAllBytes(
            OnnxExporter.Export(checkpoint, temp.Sub("portable"), new OnnxExportOptions { Operators = OnnxOperators.Portable }).ModelPath));

        var ops = contrib.Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(config.NumHiddenLayers, ops.Count(o => o == "GroupQueryAttention"));
        Assert.Equal(2 * config.NumHiddenLayers, ops.Count(o => o == "SkipSimplifiedLayerNormalization"));
        Assert.DoesNotContain("Concat", ops);
        Assert.DoesNotContain(contrib.Graph.Input, i => i.Name == "position_ids");
        Assert.Contains(portable.Graph.Input, i => i.Name == "position_ids");
        Assert.DoesNotContain(portable.Graph.Node, n => n.Domain.Length > 0);
        int perLayer = (ops.Count - 10) / config.NumHiddenLayers, portablePerLayer = portable.Graph.Node.Count / config.NumHiddenLayers;
        output.WriteLine($"nodes: contrib {ops.Count} (≈{perLayer}/layer), portable {portable.Graph.Node.Count} (≈{portablePerLayer}/layer)");
        Assert.True(perLayer <= 14 && 4 * ops.Count < portable.Graph.Node.Count, $"{perLayer} nodes per layer");
        Assert.Contains(contrib.MetadataProps, p => p.Key == "aligner.attention" && p.Value == "GroupQueryAttention");
    }

    private static float MaxDifference(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        return worst;
    }
}
