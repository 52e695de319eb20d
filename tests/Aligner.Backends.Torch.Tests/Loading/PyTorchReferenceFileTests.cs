using System.Text.Json;
using Aligner.Checkpoints;
using Aligner.Checkpoints.TorchPickle;

namespace Aligner.Backends.Torch.Tests.Loading;

/// <summary>Files written by PyTorch itself (Debian's python3-torch 1.13; Reference/torch-bin/make_fixtures.py).</summary>
public sealed class PyTorchReferenceFileTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Reference", "torch-bin", name);

    [Fact]
    public void A_state_dict_saved_by_pytorch_reads_with_its_values_shapes_and_dtypes()
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Fixture("reference.json")));
        using var file = TorchCheckpointFile.Open(Fixture("reference.bin"));
        var values = reference.RootElement.GetProperty("values");
        Assert.Equal(values.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var entry in values.EnumerateObject())
        {
            var info = file.GetInfo(entry.Name);
            Assert.Equal(reference.RootElement.GetProperty("shapes").GetProperty(entry.Name).EnumerateArray().Select(d => d.GetInt64()), info.Shape);
            var dtype = reference.RootElement.GetProperty("dtypes").GetProperty(entry.Name).GetString();
            Assert.Equal(dtype switch { "float32" => SafeTensorDType.F32, "bfloat16" => SafeTensorDType.BF16, "float16" => SafeTensorDType.F16, _ => SafeTensorDType.I64 }, info.DType);
            var expected = entry.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray();
            double[] actual = info.DType == SafeTensorDType.I64
                ? [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(file.GetBytes(entry.Name)).ToArray().Select(v => (double)v)]
                : [.. file.ReadSingles(entry.Name).Select(v => (double)v)];
            Assert.Equal(expected, actual);
        }
        // "view" is base[5:11] viewed [2, 3]: read at its offset into the shared storage; "tied" is "weight".
        Assert.Equal(file.ReadSingles("base")[5..11], file.ReadSingles("view"));
        Assert.True(file.GetBytes("tied").SequenceEqual(file.GetBytes("weight")));
    }

    [Fact]
    public void A_pytorch_file_whose_pickle_calls_os_system_is_refused()
    {
        var path = Fixture("malicious.bin");
        var e = Assert.Throws<NotSupportedModelException>(() => TorchCheckpointFile.Open(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("'posix.system'", e.Message);
        Assert.False(File.Exists("/tmp/aligner-pickle-was-executed"));
    }
}
