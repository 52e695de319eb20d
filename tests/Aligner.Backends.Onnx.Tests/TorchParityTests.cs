using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Aligner.Generation;
using Aligner.Tokenization;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Aligner.Backends.Onnx.Tests;

/// <summary>The exported ONNX decoder against the Torch backend on the same checkpoint.</summary>
public sealed class TorchParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Architectures => new() { "llama", "mistral", "qwen2", "gemma", "gemma2" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Float32_logits_match_the_torch_backend_within_1e_4(string architecture)
    {
        TorchRuntime.EnsureInitialized();
        using var temp = new TempFolder();
        var config = TinyCheckpoint.Config(architecture);
        var checkpoint = TinyCheckpoint.Write(config, seed: 21, folder: temp.Sub("ckpt"));
        // The portable graph, run position by position; ContribExportTests checks the default graph the same way.
        var export = OnnxExporter.Export(checkpoint, temp.Sub("onnx"), new OnnxExportOptions { Operators = OnnxOperators.Portable });

        // Twelve tokens: longer than Mistral's sliding window (6), so windowed attention is exercised.
        long[] tokens = [1, 5, 9, 77, 3, 41, 60, 12, 88, 19, 33, 7];
        int v = config.VocabSize, n = tokens.Length;
        float[] expected;
        using (var model = CausalLanguageModel.Load(checkpoint))
        using (no_grad())
        using (var ids = tensor(tokens, [1, n], ScalarType.Int64))
        using (var logits = model.Forward(ids, null))
            expected = logits.to(ScalarType.Float32).contiguous().data<float>().ToArray();

        using var session = new InferenceSession(export.ModelPath);
        var runner = new RawDecoderRunner(session, config.NumHiddenLayers, config.NumKeyValueHeads, config.HeadDim);
        var actual = runner.Run(tokens, [.. tokens.Select(_ => 1L)], [.. Enumerable.Range(0, n).Select(i => (long)i)], null).Logits;

        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        output.WriteLine($"{architecture}: max |torch - onnx| logit difference over {n}×{v} logits = {worst:E3}");
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(worst <= 1e-4f, $"{architecture}: max abs logit difference {worst}");
        Assert.True(expected.Max(Math.Abs) > 0.5f, "logits too small for the comparison to mean anything");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public async Task Greedy_corrections_equal_the_torch_backend(string architecture)
    {
        TorchRuntime.EnsureInitialized();
        using var temp = new TempFolder();
        var checkpoint = ExportedModels.WriteCheckpointWithTokenizer(temp.Sub("ckpt"), architecture, seed: 8);
        OnnxExporter.Export(checkpoint, temp.Sub("onnx"));
        var tokenizer = TokenizerLoader.Load(checkpoint);
        using var torchModel = new DecoderCorrectionModel(
            new TorchDecoderModel(CausalLanguageModel.Load(checkpoint), tokenizer, [tokenizer.EosTokenId!.Value], "tiny"));
        using var onnxModel = OnnxCorrectionModel.Load(temp.Sub("onnx"));

        var options = GenerationOptions.Greedy with { MaxNewTokens = 16 };
        CorrectionPrompt[] prompts =
        [
            CorrectionPrompt.FromUntrustedText("BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair to make it more helpful and harmless: Is it safe? | No. ASSISTANT:"),
            CorrectionPrompt.FromUntrustedText("Short one"),
        ];
        var fromTorch = await torchModel.GenerateBatchAsync(prompts, options);
        var fromOnnx = await onnxModel.GenerateBatchAsync(prompts, options);
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(fromTorch[i].Text, fromOnnx[i].Text);
            Assert.Equal(fromTorch[i].GeneratedTokens, fromOnnx[i].GeneratedTokens);
            Assert.Equal(fromTorch[i].FinishReason, fromOnnx[i].FinishReason);
        }
        Assert.Contains(fromOnnx, r => r.GeneratedTokens > 3);
    }
}
