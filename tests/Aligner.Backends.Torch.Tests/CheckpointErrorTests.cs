using System.Buffers.Binary;
using System.Text;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;

namespace Aligner.Backends.Torch.Tests;

public class CheckpointErrorTests
{
    private static string WriteTinyCheckpoint(TempFolder folder, string modelType = "llama")
    {
        using var model = TinyModels.Random(modelType, seed: 2);
        model.SaveCheckpoint(folder.Path);
        return folder.File("model.safetensors");
    }

    private static byte[] RawFile(string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    [Fact]
    public void Truncated_safetensors_names_file_and_tensor()
    {
        using var folder = new TempFolder();
        var path = WriteTinyCheckpoint(folder);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        var e = Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Equal(path, e.FilePath);
        Assert.NotNull(e.Field);
        Assert.Contains("past the end", e.Message);
    }

    [Fact]
    public void Header_length_pointing_outside_the_file_is_rejected()
    {
        using var folder = new TempFolder();
        var path = folder.File("model.safetensors");
        var bytes = RawFile("{}", 0);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1_000_000);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Contains("header length", e.Message);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(path)).Message);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 16, "a", "needs 16")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "b", "overlaps")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "a", "invalid dimension")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,4]}}", 16, "a", "invalid")]
    [InlineData("{\"a\":{\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "a", "dtype")]
    [InlineData("{\"a\":[1,2]}", 0, "a", "object")]
    public void Invalid_header_entries_name_the_tensor(string header, int dataBytes, string tensor, string problem)
    {
        using var folder = new TempFolder();
        var path = folder.File("x.safetensors");
        File.WriteAllBytes(path, RawFile(header, dataBytes));
        var e = Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Equal(tensor, e.Field);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Non_json_header_and_unknown_dtype_are_typed_errors()
    {
        using var folder = new TempFolder();
        var path = folder.File("x.safetensors");
        File.WriteAllBytes(path, RawFile("{not json", 0));
        Assert.Contains("not valid JSON", Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(path)).Message);
        File.WriteAllBytes(path, RawFile("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        var e = Assert.Throws<NotSupportedModelException>(() => SafeTensorsFile.Open(path));
        Assert.Equal("w", e.Field);
    }

    [Fact]
    public void Wrong_shape_missing_and_unexpected_tensors_are_listed_by_name()
    {
        using var folder = new TempFolder();
        WriteTinyCheckpoint(folder);
        var weights = new SafeTensorsWriter();
        using (var source = CheckpointWeights.Open(folder.Path))
        {
            foreach (var name in source.Names)
            {
                var info = source.GetInfo(name);
                if (name == "model.layers.1.mlp.up_proj.weight") continue;
                if (name == "model.layers.0.self_attn.k_proj.weight")
                {
                    weights.Add(name, new float[info.ElementCount / 2], [info.Shape[0] / 2, info.Shape[1]]);
                    continue;
                }
                weights.Add(name, info.DType, info.Shape, source.GetBytes(name).ToArray());
            }
        }
        weights.Add("model.layers.0.self_attn.extra.weight", new float[4], [2, 2]);
        weights.Save(folder.File("model.safetensors"));
        var e = Assert.Throws<ModelFormatException>(() => CausalLanguageModel.Load(folder.Path));
        Assert.Contains("missing tensors: model.layers.1.mlp.up_proj.weight", e.Message);
        Assert.Contains("unexpected tensors: model.layers.0.self_attn.extra.weight", e.Message);
        Assert.Contains("model.layers.0.self_attn.k_proj.weight is [8, 32], expected [16, 32]", e.Message);
    }

    [Fact]
    public void Sharded_checkpoint_loads_and_rejects_path_traversal()
    {
        using var single = new TempFolder();
        using var model = TinyModels.Random("qwen2", seed: 9);
        model.SaveCheckpoint(single.Path);
        using var sharded = new TempFolder();
        File.Copy(single.File("config.json"), sharded.File("config.json"));
        var map = new Dictionary<string, string>();
        var shards = new[] { new SafeTensorsWriter(), new SafeTensorsWriter() };
        using (var source = CheckpointWeights.Open(single.Path))
        {
            int i = 0;
            foreach (var name in source.Names)
            {
                var info = source.GetInfo(name);
                int shard = i++ % 2;
                shards[shard].Add(name, info.DType, info.Shape, source.GetBytes(name).ToArray());
                map[name] = $"model-0000{shard + 1}-of-00002.safetensors";
            }
        }
        shards[0].Save(sharded.File("model-00001-of-00002.safetensors"));
        shards[1].Save(sharded.File("model-00002-of-00002.safetensors"));
        void WriteIndex(Dictionary<string, string> m) => File.WriteAllText(sharded.File(CheckpointWeights.IndexFileName),
            System.Text.Json.JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = m }));
        WriteIndex(map);
        using (var loaded = CausalLanguageModel.Load(sharded.Path))
        {
            var tokens = TinyModels.RandomTokens(6, seed: 1);
            Assert.Equal(TinyModels.FullLogits(model, tokens).Cast<float>(), TinyModels.FullLogits(loaded, tokens).Cast<float>());
        }
        var first = map.Keys.First();
        map[first] = "../model-00001-of-00002.safetensors";
        WriteIndex(map);
        var e = Assert.Throws<ModelFormatException>(() => CheckpointWeights.Open(sharded.Path));
        Assert.Equal("weight_map." + first, e.Field);
        Assert.Contains("not a plain file name", e.Message);
    }

    [Fact]
    public void Legacy_pickle_checkpoint_is_refused_with_conversion_advice()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("config.json"), TinyModels.Config("llama").ToJson());
        File.WriteAllBytes(folder.File("pytorch_model.bin"), [0x80, 0x02, 0x7d, 0x71]);
        var e = Assert.Throws<NotSupportedModelException>(() => CausalLanguageModel.Load(folder.Path));
        Assert.EndsWith("pytorch_model.bin", e.FilePath);
        Assert.Contains("safetensors", e.Message);
        Assert.Contains("save_pretrained", e.Message);
    }

    [Fact]
    public void Missing_tokenizer_is_a_typed_error_naming_tokenizer_json()
    {
        using var folder = new TempFolder();
        WriteTinyCheckpoint(folder);
        var e = Assert.Throws<ModelFormatException>(() => TorchCorrectionModel.Load(folder.Path));
        Assert.EndsWith("tokenizer.json", e.FilePath);
    }

    [Fact]
    public void Requesting_cuda_without_cuda_is_an_error_not_a_cpu_run()
    {
        TorchRuntime.EnsureInitialized();
        if (TorchSharp.torch.cuda.is_available()) return; // Only meaningful on a CPU-only machine.
        var e = Assert.Throws<TorchRuntimeException>(() => TorchDevices.Resolve("cuda"));
        Assert.Contains("CUDA", e.Message);
        Assert.Throws<ArgumentException>(() => TorchDevices.Resolve("tpu"));
    }
}
