using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Aligner.Backends.Onnx.Tests;

/// <summary>ONNX Runtime GenAI reads the exported folder (genai_config.json + model) as an independent consumer.</summary>
public sealed class OnnxRuntimeGenAiTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    public void GenAi_greedy_output_equals_ours(string architecture)
    {
        using var temp = new TempFolder();
        var config = TinyCheckpoint.Config(architecture);
        var export = OnnxExporter.Export(TinyCheckpoint.Write(config, seed: 5, folder: temp.Sub("ckpt")), temp.Sub("onnx"));
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

        // GenAI stops after EOS; ours runs on, so compare up to and including the first EOS.
        int eos = Array.IndexOf(ours, config.EosTokenIds[0]);
        Assert.Equal(eos >= 0 ? ours[..(eos + 1)] : ours, theirs);
        Assert.True(theirs.Length >= 4, $"only {theirs.Length} tokens compared"); // seeds chosen so that EOS does not come at once
    }
}
