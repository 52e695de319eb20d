using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Aligner.Backends.Onnx.Tests;

/// <summary>ONNX Runtime GenAI reads the exported folder (genai_config.json + model) as an independent consumer.</summary>
public sealed class OnnxRuntimeGenAiTests
{
    [Theory]
    [InlineData("llama", OnnxWeightType.Float32)]
    [InlineData("qwen2", OnnxWeightType.Float32)]
    [InlineData("gemma", OnnxWeightType.Float16)]
    [InlineData("mistral", OnnxWeightType.Float32)]
    [InlineData("mistral", OnnxWeightType.Float32, OnnxOperators.Portable)]
    public void GenAi_greedy_output_equals_ours(string architecture, OnnxWeightType weightType, OnnxOperators operators = OnnxOperators.OnnxRuntime)
    {
        using var temp = new TempFolder();
        var config = TinyCheckpoint.Config(architecture);
        var export = OnnxExporter.Export(TinyCheckpoint.Write(config, seed: 5, folder: temp.Sub("ckpt")), temp.Sub("onnx"),
            new OnnxExportOptions { WeightType = weightType, Operators = operators });
        int[] prompt = [1, 11, 22, 33, 44];
        const int newTokens = 12;

        using var runtime = new OnnxDecoderRuntime(export.ModelPath, new OnnxBackendOptions(), NullLogger.Instance);
        var ours = OnnxDecoderSessionTests.Greedy(runtime, prompt, newTokens);

        using var model = new Model(temp.Sub("onnx"));
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + newTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(prompt);
        while (!generator.IsDone()) generator.GenerateNextToken();
        var theirs = generator.GetSequence(0).ToArray()[prompt.Length..];

        // GenAI stops at EOS; ours runs on, so compare up to the first EOS. (GenAI reports the EOS token itself for the
        // portable graph but not with a shared cache buffer, so it is left out of the comparison.)
        int eos = Array.IndexOf(ours, config.EosTokenIds[0]);
        if (theirs.Length > 0 && theirs[^1] == config.EosTokenIds[0]) theirs = theirs[..^1];
        Assert.Equal(eos >= 0 ? ours[..eos] : ours, theirs);
        Assert.True(theirs.Length >= 4, $"only {theirs.Length} tokens compared"); // seeds chosen so that EOS does not come at once
    }

    [Fact]
    public async Task GenAi_encodes_with_the_copied_tokenizer_and_generates_our_greedy_correction()
    {
        using var temp = new TempFolder();
        var checkpoint = ExportedModels.WriteCheckpointWithTokenizer(temp.Sub("ckpt"), "llama", seed: 8);
        OnnxExporter.Export(checkpoint, temp.Sub("onnx"));
        const string prompt = "BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair: naïve café? | 123 ASSISTANT:";
        const int newTokens = 10;

        using var ours = OnnxCorrectionModel.Load(temp.Sub("onnx"));
        var expected = await ours.GenerateAsync(CorrectionPrompt.FromUntrustedText(prompt), GenerationOptions.Greedy with { MaxNewTokens = newTokens });

        using var model = new Model(temp.Sub("onnx"));
        using var tokenizer = new Tokenizer(model);
        using var encoded = tokenizer.Encode(prompt);
        var promptIds = encoded[0].ToArray();
        Assert.Equal(ours.Tokenizer.EncodePrompt(CorrectionPrompt.FromUntrustedText(prompt)), promptIds);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", promptIds.Length + newTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(promptIds);
        while (!generator.IsDone()) generator.GenerateNextToken();
        var generated = generator.GetSequence(0).ToArray()[promptIds.Length..].Where(t => t != ours.Decoder.EosTokenIds[0]).ToArray();

        // GenAI's own Decode stops at an incomplete UTF-8 sequence, so its ids are decoded with ours.
        Assert.Equal(expected.Text, ours.Tokenizer.Decode(generated));
        Assert.True(expected.GeneratedTokens > 3);
    }
}
