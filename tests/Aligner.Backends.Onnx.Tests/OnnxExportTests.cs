using System.Text.Json;
using Aligner.Backends.Onnx.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Aligner.Backends.Onnx.Tests;

public sealed class OnnxExportTests
{
    public static TheoryData<string> Architectures => new() { "llama", "mistral", "qwen2", "gemma", "gemma2" };

    private static readonly HashSet<string> StandardOps =
    [
        "Gather", "Mul", "Add", "Sub", "Cast", "Unsqueeze", "Squeeze", "Concat", "Cos", "Sin", "Shape", "Range", "LessOrEqual",
        "Less", "And", "Where", "Reshape", "Transpose", "MatMul", "Softmax", "Split", "Neg", "Sigmoid", "Tanh", "Div", "Erf",
        "ReduceMean", "Sqrt", "Reciprocal", "Identity",
    ];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Export_writes_a_well_formed_decoder_in_the_standard_kv_cache_layout(string architecture)
    {
        var config = TinyCheckpoint.Config(architecture);
        using var temp = new TempFolder();
        var checkpoint = TinyCheckpoint.Write(config, seed: 1, folder: temp.Sub("ckpt"));
        var output = temp.Sub("onnx");
        var result = OnnxExporter.Export(checkpoint, output, new OnnxExportOptions { Operators = OnnxOperators.Portable });

        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.ModelPath));
        Assert.Equal(8, model.IrVersion);
        var opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);

        var graph = model.Graph;
        string[] expectedInputs = ["input_ids", "attention_mask", "position_ids",
            .. Enumerable.Range(0, config.NumHiddenLayers).SelectMany(i => new[] { $"past_key_values.{i}.key", $"past_key_values.{i}.value" })];
        string[] expectedOutputs = ["logits",
            .. Enumerable.Range(0, config.NumHiddenLayers).SelectMany(i => new[] { $"present.{i}.key", $"present.{i}.value" })];
        Assert.Equal(expectedInputs, graph.Input.Select(i => i.Name));
        Assert.Equal(expectedOutputs, graph.Output.Select(o => o.Name));

        var ids = graph.Input[0].Type.TensorType;
        Assert.Equal((int)TensorProto.Types.DataType.Int64, ids.ElemType);
        Assert.Equal(["batch_size", "sequence_length"], ids.Shape.Dim.Select(d => d.DimParam));
        var past = graph.Input[3].Type.TensorType;
        Assert.Equal((int)TensorProto.Types.DataType.Float, past.ElemType);
        Assert.Equal("batch_size", past.Shape.Dim[0].DimParam);
        Assert.Equal(config.NumKeyValueHeads, past.Shape.Dim[1].DimValue);
        Assert.Equal("past_sequence_length", past.Shape.Dim[2].DimParam);
        Assert.Equal(config.HeadDim, past.Shape.Dim[3].DimValue);
        var logits = graph.Output[0].Type.TensorType;
        Assert.Equal(config.VocabSize, logits.Shape.Dim[2].DimValue);

        // Every node reads only graph inputs, initializers or values produced by earlier nodes (topological order),
        // uses standard-domain ops only, and every graph output is produced.
        var defined = new HashSet<string>(graph.Input.Select(i => i.Name).Concat(graph.Initializer.Select(t => t.Name)));
        foreach (var node in graph.Node)
        {
            Assert.True(node.Domain is "" or "ai.onnx", $"{node.Name} uses domain '{node.Domain}'.");
            Assert.Contains(node.OpType, StandardOps);
            foreach (var input in node.Input) Assert.True(defined.Contains(input), $"{node.Name} reads '{input}' before it is defined.");
            foreach (var o in node.Output) Assert.True(defined.Add(o), $"'{o}' is defined twice.");
        }
        Assert.All(expectedOutputs, o => Assert.Contains(o, defined));
        Assert.Equal(graph.Initializer.Count, graph.Initializer.Select(t => t.Name).Distinct().Count());

        using var genai = JsonDocument.Parse(File.ReadAllText(result.GenAiConfigPath!));
        var m = genai.RootElement.GetProperty("model");
        Assert.Equal(architecture, m.GetProperty("type").GetString());
        Assert.Equal(config.NumHiddenLayers, m.GetProperty("decoder").GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(config.HeadDim, m.GetProperty("decoder").GetProperty("head_size").GetInt32());
        Assert.Equal("past_key_values.%d.key", m.GetProperty("decoder").GetProperty("inputs").GetProperty("past_key_names").GetString());
        Assert.Equal("model.onnx", m.GetProperty("decoder").GetProperty("filename").GetString());
        Assert.True(File.Exists(Path.Combine(output, "config.json")));
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Logits_from_the_kv_cache_equal_logits_of_one_full_pass(string architecture)
    {
        var config = TinyCheckpoint.Config(architecture);
        using var temp = new TempFolder();
        var result = OnnxExporter.Export(TinyCheckpoint.Write(config, seed: 2, folder: temp.Sub("ckpt")), temp.Sub("onnx"),
            new OnnxExportOptions { Operators = OnnxOperators.Portable });
        using var session = new InferenceSession(result.ModelPath);
        var runner = new RawDecoderRunner(session, config.NumHiddenLayers, config.NumKeyValueHeads, config.HeadDim);

        long[] tokens = [1, 17, 42, 5, 88, 23, 9, 61, 30, 12];
        int v = config.VocabSize;
        var full = runner.Run(tokens, [.. tokens.Select(_ => 1L)], [.. Enumerable.Range(0, tokens.Length).Select(i => (long)i)], null);

        int prefix = 4;
        var step = runner.Run(tokens[..prefix], [.. Enumerable.Repeat(1L, prefix)], [.. Enumerable.Range(0, prefix).Select(i => (long)i)], null);
        AssertClose(full.Logits.AsSpan(0, prefix * v), step.Logits, 2e-5f);
        for (int t = prefix; t < tokens.Length; t++)
        {
            step = runner.Run([tokens[t]], [.. Enumerable.Repeat(1L, t + 1)], [t], step.Presents);
            Assert.Equal([1, 1, v], step.LogitsShape);
            Assert.Equal(t + 1, step.Presents[0].Dimensions[2]);
            AssertClose(full.Logits.AsSpan(t * v, v), step.Logits, 2e-5f);
        }
    }

    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"max abs difference {worst} > {tolerance}");
    }
}
