using System.Runtime.InteropServices;
using System.Text;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Checkpoints.TorchPickle;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests.Loading;

public sealed class TorchBinCheckpointTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A tiny llama saved as safetensors (folder "st") and as pytorch_model.bin (folder "bin"), same bytes.</summary>
    private (string SafeTensors, string Bin) TwinCheckpoints(SafeTensorDType? dtype = null)
    {
        var st = Path.Combine(_temp.Path, "st");
        var bin = Path.Combine(_temp.Path, "bin");
        Directory.CreateDirectory(bin);
        using (var model = TinyModels.Random("llama", seed: 11))
            model.SaveCheckpoint(st, dtype == SafeTensorDType.BF16 ? ScalarType.BFloat16 : ScalarType.Float32);
        File.Copy(Path.Combine(st, "config.json"), Path.Combine(bin, "config.json"));
        using var weights = CheckpointWeights.Open(st);
        TorchBinWriter.Write(Path.Combine(bin, CheckpointWeights.BinFileName), TorchBinWriter.FromSafeTensors(weights));
        return (st, bin);
    }

    private static void AssertSameWeights(string expectedFolder, string actualFolder)
    {
        using var expected = CheckpointWeights.Open(expectedFolder);
        using var actual = CheckpointWeights.Open(actualFolder);
        Assert.Equal(expected.Names, actual.Names);
        foreach (var name in expected.Names)
        {
            Assert.Equal(expected.GetInfo(name).DType, actual.GetInfo(name).DType);
            Assert.Equal(expected.GetInfo(name).Shape, actual.GetInfo(name).Shape);
            Assert.True(expected.GetBytes(name).SequenceEqual(actual.GetBytes(name)), name);
        }
    }

    [Fact]
    public void A_bin_checkpoint_loads_into_the_torch_backend_like_its_safetensors_twin()
    {
        var (st, bin) = TwinCheckpoints(SafeTensorDType.BF16);
        AssertSameWeights(st, bin);
        using var fromSt = CausalLanguageModel.Load(st);
        using var fromBin = CausalLanguageModel.Load(bin);
        var binParameters = fromBin.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in fromSt.named_parameters())
            Assert.Equal(p.data<float>().ToArray(), binParameters[name].data<float>().ToArray());
        int[] tokens = [1, 7, 42, 3, 99];
        Assert.Equal(TinyModels.FullLogits(fromSt, tokens), TinyModels.FullLogits(fromBin, tokens));
    }

    [Fact]
    public void Sharded_bin_checkpoints_load_through_their_index_and_convert_to_sharded_safetensors()
    {
        var (st, _) = TwinCheckpoints();
        var sharded = Path.Combine(_temp.Path, "sharded");
        Directory.CreateDirectory(sharded);
        File.Copy(Path.Combine(st, "config.json"), Path.Combine(sharded, "config.json"));
        List<TorchBinWriter.Entry> entries;
        using (var weights = CheckpointWeights.Open(st)) entries = TorchBinWriter.FromSafeTensors(weights);
        var map = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
        for (int s = 0; s < 2; s++)
        {
            var shard = $"pytorch_model-{s + 1:D5}-of-00002.bin";
            var part = entries.Where((_, i) => i % 2 == s).ToList();
            TorchBinWriter.Write(Path.Combine(sharded, shard), part);
            foreach (var e in part) map.Append($"\"{e.Name}\":\"{shard}\",");
        }
        File.WriteAllText(Path.Combine(sharded, CheckpointWeights.BinIndexFileName), map.ToString().TrimEnd(',') + "}}");
        AssertSameWeights(st, sharded);

        var converted = Path.Combine(_temp.Path, "converted");
        var files = CheckpointConverter.ToSafeTensors(sharded, converted, maxShardBytes: 40_000);
        Assert.True(files.Count > 2);
        Assert.Contains(files, f => f.EndsWith(CheckpointWeights.IndexFileName, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(converted, "config.json")));
        Assert.False(Directory.EnumerateFiles(converted, "*.bin").Any());
        AssertSameWeights(st, converted);
        using var model = CausalLanguageModel.Load(converted);
    }

    [Fact]
    public void Views_into_a_shared_storage_are_read_at_their_offset_and_convert_to_one_file()
    {
        var values = Enumerable.Range(0, 24).Select(i => (float)i).ToArray();
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var folder = Path.Combine(_temp.Path, "views");
        Directory.CreateDirectory(folder);
        TorchBinWriter.Write(Path.Combine(folder, CheckpointWeights.BinFileName),
        [
            new("whole", SafeTensorDType.F32, [4, 6], bytes),
            new("rows_2_3", SafeTensorDType.F32, [2, 6], [], ShareWith: "whole", StorageOffset: 12),
            new("scalar", SafeTensorDType.F32, [], [], ShareWith: "whole", StorageOffset: 5),
            new("column_vector", SafeTensorDType.F32, [3, 1], [], ShareWith: "whole", StorageOffset: 1, Stride: [1, 99]),
        ]);
        using var weights = CheckpointWeights.Open(folder);
        Assert.Equal(values[12..], weights.ReadSingles("rows_2_3"));
        Assert.Equal([5f], weights.ReadSingles("scalar"));
        Assert.Equal([1f, 2f, 3f], weights.ReadSingles("column_vector"));
        Assert.Equal(values, weights.ReadSingles("whole"));
        var converted = CheckpointConverter.ToSafeTensors(folder, Path.Combine(_temp.Path, "views-st"));
        using var file = SafeTensorsFile.Open(Assert.Single(converted));
        Assert.Equal(values[12..], file.ReadSingles("rows_2_3"));
    }

    private string WriteBin(Func<byte[], byte[]>? mutatePickle = null, IReadOnlyList<TorchBinWriter.Entry>? entries = null)
    {
        var folder = Path.Combine(_temp.Path, "bad-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        TorchBinWriter.Write(Path.Combine(folder, CheckpointWeights.BinFileName),
            entries ?? [new("w", SafeTensorDType.F32, [2, 2], new byte[16])], mutatePickle);
        return Path.Combine(folder, CheckpointWeights.BinFileName);
    }

    /// <summary>A protocol-2 pickle calling <paramref name="module"/>.<paramref name="name"/>("touch FILE") — what a malicious checkpoint does.</summary>
    private static byte[] Calling(string module, string name, string argument)
    {
        var p = new TorchBinWriter.PickleBuilder();
        p.Proto(2);
        p.Global(module, name);
        p.Str(argument);
        p.Byte(0x85);
        p.Op('R');
        p.Op('.');
        return p.ToArray();
    }

    [Theory]
    [InlineData("posix", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("torch", "load")]
    [InlineData("torch._utils", "_rebuild_parameter")]
    [InlineData("collections", "defaultdict")]
    public void Globals_outside_the_tensor_rebuild_set_are_refused_and_nothing_runs(string module, string name)
    {
        var marker = Path.Combine(_temp.Path, "executed");
        var path = WriteBin(_ => Calling(module, name, $"touch {marker}"));
        var e = Assert.Throws<NotSupportedModelException>(() => TorchCheckpointFile.Open(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal("archive/data.pkl", e.Field);
        Assert.Contains($"'{module}.{name}'", e.Message);
        Assert.Contains("weights_only", e.Message);
        Assert.Contains("nothing was executed", e.Message);
        Assert.False(File.Exists(marker));
        // And the folder-level entry point refuses the same way.
        Assert.Throws<NotSupportedModelException>(() => CheckpointWeights.Open(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Opcodes_and_calls_outside_the_data_subset_are_refused()
    {
        // INST ('i'), OBJ ('o'), EXT1: object construction the data subset never needs.
        foreach (var op in new byte[] { (byte)'i', (byte)'o', 0x82, (byte)'P' })
        {
            var path = WriteBin(_ => [0x80, 0x02, op, (byte)'.']);
            var e = Assert.Throws<NotSupportedModelException>(() => TorchCheckpointFile.Open(path));
            Assert.Contains($"opcode 0x{op:x2}", e.Message);
        }
        // Calling a storage type, or OrderedDict with arguments.
        var p = new TorchBinWriter.PickleBuilder();
        p.Proto(2); p.Global("torch", "FloatStorage"); p.Op(')'); p.Op('R'); p.Op('.');
        var bytes = p.ToArray();
        Assert.Contains("calling torch.FloatStorage", Assert.Throws<NotSupportedModelException>(() => TorchCheckpointFile.Open(WriteBin(_ => bytes))).Message);
    }

    [Fact]
    public void Malformed_tensors_name_the_tensor()
    {
        var data = new byte[16];
        var past = WriteBin(entries: [new("w", SafeTensorDType.F32, [2, 2], data), new("v", SafeTensorDType.F32, [2], [], ShareWith: "w", StorageOffset: 3)]);
        var e = Assert.Throws<ModelFormatException>(() => TorchCheckpointFile.Open(past));
        Assert.Equal("v", e.Field);
        Assert.Contains("past the end of its storage", e.Message);

        var transposed = WriteBin(entries: [new("t", SafeTensorDType.F32, [2, 2], data, Stride: [1, 2])]);
        var n = Assert.Throws<NotSupportedModelException>(() => TorchCheckpointFile.Open(transposed));
        Assert.Equal("t", n.Field);
        Assert.Contains("not contiguous", n.Message);

        // The storage key "0" (BINUNICODE of length 1) renamed to "7", which the archive does not hold.
        var missingStorage = WriteBin(p =>
        {
            byte[] key = [(byte)'X', 1, 0, 0, 0, (byte)'0'];
            int at = p.AsSpan().IndexOf(key);
            Assert.True(at >= 0);
            var copy = (byte[])p.Clone();
            copy[at + 5] = (byte)'7';
            return copy;
        });
        var m = Assert.Throws<ModelFormatException>(() => TorchCheckpointFile.Open(missingStorage));
        Assert.Equal("w", m.Field);
        Assert.Contains("archive/data/7", m.Message);
    }

    [Fact]
    public void Damaged_archives_are_typed_errors_naming_the_file()
    {
        var path = WriteBin();
        var valid = File.ReadAllBytes(path);
        File.WriteAllBytes(path, valid[..(valid.Length / 2)]);
        Assert.Equal(path, Assert.Throws<ModelFormatException>(() => TorchCheckpointFile.Open(path)).FilePath);
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("not a zip at all"));
        Assert.Contains("not a torch.save zip", Assert.Throws<ModelFormatException>(() => TorchCheckpointFile.Open(path)).Message);
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a]);
        Assert.Contains("legacy", Assert.Throws<NotSupportedModelException>(() => TorchCheckpointFile.Open(path)).Message);
    }
}
