using Aligner.Backends.Onnx.Protobuf;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aligner.Backends.Onnx.Tests;

/// <summary>Broken or mismatched inputs give typed errors that name the file and the field.</summary>
public sealed class OnnxErrorTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _onnx;

    public OnnxErrorTests()
    {
        var checkpoint = ExportedModels.WriteCheckpointWithTokenizer(_temp.Sub("ckpt"), "qwen2", seed: 9);
        _onnx = _temp.Sub("onnx");
        OnnxExporter.Export(checkpoint, _onnx);
    }

    public void Dispose() => _temp.Dispose();

    private string ModelPath => Path.Combine(_onnx, "model.onnx");

    private static OnnxDecoderRuntime Open(string path) => new(path, new OnnxBackendOptions(), NullLogger.Instance);

    [Fact]
    public void A_truncated_model_file_is_a_model_format_error_naming_the_file()
    {
        var bytes = File.ReadAllBytes(ModelPath);
        File.WriteAllBytes(ModelPath, bytes[..(bytes.Length / 3)]);
        var e = Assert.Throws<ModelFormatException>(() => OnnxDecoderModel.Load(_onnx));
        Assert.Equal(ModelPath, e.FilePath);
    }

    [Fact]
    public void A_file_of_random_bytes_is_a_model_format_error()
    {
        var garbage = new byte[4096];
        new Random(1).NextBytes(garbage);
        File.WriteAllBytes(ModelPath, garbage);
        var e = Assert.Throws<ModelFormatException>(() => Open(ModelPath));
        Assert.Equal(ModelPath, e.FilePath);
    }

    [Fact]
    public void A_missing_model_file_is_a_model_format_error()
    {
        File.Delete(ModelPath);
        var e = Assert.Throws<ModelFormatException>(() => OnnxDecoderModel.Load(_onnx));
        Assert.Equal(ModelPath, e.FilePath);
    }

    [Fact]
    public void A_model_without_an_attention_mask_input_names_it()
    {
        Rewrite(graph =>
        {
            graph.Input.Single(i => i.Name == "attention_mask").Name = "mask";
            foreach (var node in graph.Node)
                for (int i = 0; i < node.Input.Count; i++)
                    if (node.Input[i] == "attention_mask") node.Input[i] = "mask";
        });
        var e = Assert.Throws<ModelFormatException>(() => Open(ModelPath));
        Assert.Equal("attention_mask", e.Field);
    }

    [Fact]
    public void A_model_without_a_present_output_names_it()
    {
        Rewrite(graph => graph.Output.Remove(graph.Output.Single(o => o.Name == "present.1.value")));
        var e = Assert.Throws<ModelFormatException>(() => Open(ModelPath));
        Assert.Equal("present.1.value", e.Field);
    }

    [Fact]
    public void A_model_without_a_kv_cache_is_refused()
    {
        Rewrite(graph =>
        {
            // Feed the caches from empty constants instead of inputs: a decoder that cannot continue from a cache.
            foreach (var input in graph.Input.Where(i => i.Name.StartsWith("past_key_values.", StringComparison.Ordinal)).ToList())
            {
                graph.Input.Remove(input);
                var empty = new TensorProto { Name = input.Name, DataType = (int)TensorProto.Types.DataType.Float };
                empty.Dims.AddRange([1, input.Type.TensorType.Shape.Dim[1].DimValue, 0, input.Type.TensorType.Shape.Dim[3].DimValue]);
                empty.RawData = ByteString.Empty;
                graph.Initializer.Add(empty);
            }
        });
        var e = Assert.Throws<ModelFormatException>(() => Open(ModelPath));
        Assert.Equal("past_key_values.0.key", e.Field);
    }

    [Fact]
    public void An_input_the_backend_cannot_feed_is_refused_by_name()
    {
        Rewrite(graph => graph.Input.Add(new ValueInfoProto
        {
            Name = "token_type_ids",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Int64, Shape = new TensorShapeProto() } },
        }));
        var e = Assert.Throws<NotSupportedModelException>(() => Open(ModelPath));
        Assert.Equal("token_type_ids", e.Field);
    }

    [Fact]
    public void A_folder_without_genai_or_hugging_face_config_is_a_model_format_error()
    {
        File.Delete(Path.Combine(_onnx, "genai_config.json"));
        File.Delete(Path.Combine(_onnx, "config.json"));
        var e = Assert.Throws<ModelFormatException>(() => OnnxDecoderModel.Load(_onnx));
        Assert.Contains("genai_config.json", e.FilePath);
    }

    [Fact]
    public void A_genai_config_without_context_length_names_the_field()
    {
        var path = Path.Combine(_onnx, "genai_config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"context_length\"", "\"context_len\""));
        var e = Assert.Throws<ModelFormatException>(() => OnnxDecoderModel.Load(_onnx));
        Assert.Equal("model.context_length", e.Field);
    }

    [Fact]
    public void A_checkpoint_tensor_whose_shape_disagrees_with_config_names_the_tensor()
    {
        using var temp = new TempFolder();
        var checkpoint = TinyCheckpoint.Write(TinyCheckpoint.Config("llama"), seed: 1, folder: temp.Sub("ckpt"),
            reshape: (name, shape) => name == "model.layers.1.self_attn.k_proj.weight" ? [shape[0] * 2, shape[1]] : shape);
        var e = Assert.Throws<ModelFormatException>(() => OnnxExporter.Export(checkpoint, temp.Sub("onnx")));
        Assert.Equal("model.layers.1.self_attn.k_proj.weight", e.Field);
    }

    [Fact]
    public void A_checkpoint_missing_a_tensor_names_the_tensor()
    {
        using var temp = new TempFolder();
        var checkpoint = TinyCheckpoint.Write(TinyCheckpoint.Config("gemma"), seed: 1, folder: temp.Sub("ckpt"), omit: "model.layers.0.mlp.up_proj.weight");
        var e = Assert.Throws<ModelFormatException>(() => OnnxExporter.Export(checkpoint, temp.Sub("onnx")));
        Assert.Equal("model.layers.0.mlp.up_proj.weight", e.Field);
    }

    private void Rewrite(Action<GraphProto> change)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ModelPath));
        change(model.Graph);
        File.WriteAllBytes(ModelPath, model.ToByteArray());
    }
}
