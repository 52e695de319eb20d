using System.Text.Json;

namespace Aligner.Checkpoints;

/// <summary>
/// The weights of a Hugging Face checkpoint folder: <c>model.safetensors</c>, or the shards listed by
/// <c>model.safetensors.index.json</c>; else <c>pytorch_model.bin</c> (or <c>pytorch_model.bin.index.json</c> and its shards),
/// read by a restricted unpickler that interprets the state dict as data and never executes anything
/// (<see cref="TorchPickle.TorchCheckpointFile"/>). Other pickle files (<c>model.pt</c>, <c>consolidated.00.pth</c>) are refused.
/// Thread-safe for reads; dispose to unmap the files.
/// </summary>
public sealed class CheckpointWeights : IDisposable
{
    /// <summary>Name of a single-file checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>Name of the index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>Name of a single-file PyTorch checkpoint.</summary>
    public const string BinFileName = "pytorch_model.bin";

    /// <summary>Name of the index of a sharded PyTorch checkpoint.</summary>
    public const string BinIndexFileName = "pytorch_model.bin.index.json";

    private readonly List<SafeTensorsFile> _files;
    private readonly Dictionary<string, SafeTensorsFile> _byName;

    private CheckpointWeights(List<SafeTensorsFile> files, Dictionary<string, SafeTensorsFile> byName)
    {
        _files = files;
        _byName = byName;
    }

    /// <summary>The tensor names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _byName.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The safetensors files, in the order they were opened.</summary>
    public IReadOnlyList<SafeTensorsFile> Files => _files;

    /// <summary>Opens the weights of a checkpoint folder.</summary>
    /// <exception cref="NotSupportedModelException">The folder holds only a pickle checkpoint other than <c>pytorch_model.bin</c>, or a <c>pytorch_model.bin</c>
    /// whose pickle goes beyond tensor data; the message explains how to convert it.</exception>
    /// <exception cref="ModelFormatException">No weights, a malformed index (unsafe shard names included), or an invalid safetensors file.</exception>
    public static CheckpointWeights Open(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder)) throw new ModelFormatException(folder, null, "checkpoint folder not found.");
        var index = Path.Combine(folder, IndexFileName);
        if (File.Exists(index)) return OpenSharded(folder, index, SafeTensorsFile.Open);
        var single = Path.Combine(folder, SingleFileName);
        if (File.Exists(single)) return Single(SafeTensorsFile.Open(single));
        var binIndex = Path.Combine(folder, BinIndexFileName);
        if (File.Exists(binIndex)) return OpenSharded(folder, binIndex, TorchPickle.TorchCheckpointFile.Open);
        var bin = Path.Combine(folder, BinFileName);
        if (File.Exists(bin)) return Single(TorchPickle.TorchCheckpointFile.Open(bin));
        foreach (var pickle in new[] { "model.pt", "model.pth", "consolidated.00.pth" })
        {
            var p = Path.Combine(folder, pickle);
            if (File.Exists(p))
                throw new NotSupportedModelException(p, null,
                    "PyTorch pickle checkpoints are not loaded (unpickling can run arbitrary code). Convert the checkpoint to safetensors, " +
                    "e.g. in Python: AutoModelForCausalLM.from_pretrained(folder).save_pretrained(folder, safe_serialization=True), " +
                    "which writes model.safetensors (or model.safetensors.index.json and its shards).");
        }
        throw new ModelFormatException(Path.Combine(folder, SingleFileName), null, $"no weights found: expected {SingleFileName}, {IndexFileName}, {BinFileName} or {BinIndexFileName}.");
    }

    private static CheckpointWeights Single(SafeTensorsFile file) =>
        new([file], file.Tensors.Keys.ToDictionary(n => n, _ => file, StringComparer.Ordinal));

    private static CheckpointWeights OpenSharded(string folder, string indexPath, Func<string, SafeTensorsFile> openShard)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(indexPath)); }
        catch (JsonException e) { throw new ModelFormatException(indexPath, null, $"is not valid JSON: {e.Message}", e); }
        var files = new List<SafeTensorsFile>();
        try
        {
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                    throw new ModelFormatException(indexPath, "weight_map", "is required (an object from tensor name to shard file).");
                var shards = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
                var byName = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
                foreach (var entry in map.EnumerateObject())
                {
                    if (entry.Value.ValueKind != JsonValueKind.String) throw new ModelFormatException(indexPath, "weight_map." + entry.Name, "must be a shard file name.");
                    var shard = entry.Value.GetString()!;
                    if (!IsPlainFileName(shard))
                        throw new ModelFormatException(indexPath, "weight_map." + entry.Name, $"shard '{shard}' is not a plain file name in the checkpoint folder (paths and '..' are refused).");
                    if (!shards.TryGetValue(shard, out var file))
                    {
                        file = openShard(Path.Combine(folder, shard));
                        files.Add(file);
                        shards[shard] = file;
                    }
                    if (!file.Contains(entry.Name))
                        throw new ModelFormatException(indexPath, "weight_map." + entry.Name, $"shard '{shard}' has no tensor of that name.");
                    byName[entry.Name] = file;
                }
                return new CheckpointWeights(files, byName);
            }
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    private static bool IsPlainFileName(string name) =>
        name.Length > 0 && name != "." && name != ".." && name.IndexOfAny(['/', '\\', '\0', ':']) < 0 && !Path.IsPathRooted(name);

    /// <summary>Whether a tensor of that name exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    /// <exception cref="ModelFormatException">No such tensor.</exception>
    public SafeTensorInfo GetInfo(string name) => FileOf(name).GetInfo(name);

    /// <summary>The file that holds a tensor.</summary>
    /// <exception cref="ModelFormatException">No such tensor.</exception>
    public SafeTensorsFile FileOf(string name) =>
        _byName.TryGetValue(name, out var f) ? f : throw new ModelFormatException(_files.Count > 0 ? _files[0].FilePath : SingleFileName, name, "no such tensor in the checkpoint.");

    /// <summary>The raw bytes of a tensor; see <see cref="SafeTensorsFile.GetBytes"/>.</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => FileOf(name).GetBytes(name);

    /// <summary>Copies the raw bytes of a tensor to native memory; see <see cref="SafeTensorsFile.CopyTo"/>.</summary>
    public void CopyTo(string name, nint destination, long destinationBytes) => FileOf(name).CopyTo(name, destination, destinationBytes);

    /// <summary>Reads part of a tensor's raw bytes from its file; see <see cref="SafeTensorsFile.Read"/>.</summary>
    public void Read(string name, long offsetInTensor, Span<byte> destination) => FileOf(name).Read(name, offsetInTensor, destination);

    /// <summary>Reads a floating-point tensor as 32-bit floats.</summary>
    public float[] ReadSingles(string name) => FileOf(name).ReadSingles(name);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
