using System.Text.Json;

namespace Aligner.Checkpoints;

/// <summary>
/// Rewrites a checkpoint folder's weights as safetensors (e.g. a <c>pytorch_model.bin</c> checkpoint, read with the
/// restricted unpickler): <c>model.safetensors</c>, or shards plus <c>model.safetensors.index.json</c> when the weights
/// exceed the shard size; the other files (config, tokenizer) are copied. Tensors are streamed in bounded chunks, so
/// memory use does not grow with the checkpoint.
/// </summary>
public static class CheckpointConverter
{
    /// <summary>Default largest shard (Hugging Face's default is 5 GB).</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    private const int ChunkBytes = 16 << 20;

    /// <summary>Converts <paramref name="sourceFolder"/> into <paramref name="outputFolder"/>; returns the weight files written.</summary>
    /// <exception cref="ModelFormatException">The source weights are missing or invalid (see <see cref="CheckpointWeights.Open"/>).</exception>
    /// <exception cref="ArgumentException">The output folder is the source folder, or the shard size is not positive.</exception>
    public static IReadOnlyList<string> ToSafeTensors(string sourceFolder, string outputFolder, long maxShardBytes = DefaultMaxShardBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceFolder);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        if (maxShardBytes < 1) throw new ArgumentException("The shard size must be positive.", nameof(maxShardBytes));
        var source = Path.GetFullPath(sourceFolder).TrimEnd(Path.DirectorySeparatorChar);
        var output = Path.GetFullPath(outputFolder).TrimEnd(Path.DirectorySeparatorChar);
        if (string.Equals(source, output, StringComparison.Ordinal)) throw new ArgumentException("The output folder must differ from the source folder.", nameof(outputFolder));
        using var weights = CheckpointWeights.Open(source);
        Directory.CreateDirectory(output);

        var shards = new List<List<SafeTensorInfo>> { new() };
        long current = 0, total = 0;
        foreach (var info in weights.Names.Select(weights.GetInfo))
        {
            if (current > 0 && current + info.ByteLength > maxShardBytes) { shards.Add([]); current = 0; }
            shards[^1].Add(info);
            current += info.ByteLength;
            total += info.ByteLength;
        }
        var written = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int s = 0; s < shards.Count; s++)
        {
            var fileName = shards.Count == 1 ? CheckpointWeights.SingleFileName : $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            var writer = new SafeTensorsWriter();
            foreach (var info in shards[s])
            {
                writer.AddStreamed(info.Name, info.DType, info.Shape, stream =>
                {
                    var buffer = new byte[(int)Math.Min(ChunkBytes, Math.Max(1, info.ByteLength))];
                    for (long offset = 0; offset < info.ByteLength; offset += buffer.Length)
                    {
                        var part = buffer.AsSpan(0, (int)Math.Min(buffer.Length, info.ByteLength - offset));
                        weights.Read(info.Name, offset, part);
                        stream.Write(part);
                    }
                });
                weightMap[info.Name] = fileName;
            }
            var path = Path.Combine(output, fileName);
            writer.Save(path);
            written.Add(path);
        }
        if (shards.Count > 1)
        {
            var indexPath = Path.Combine(output, CheckpointWeights.IndexFileName);
            AtomicFile.Write(indexPath, stream =>
            {
                using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                json.WriteStartObject();
                json.WriteStartObject("metadata");
                json.WriteNumber("total_size", total);
                json.WriteEndObject();
                json.WriteStartObject("weight_map");
                foreach (var (name, file) in weightMap) json.WriteString(name, file);
                json.WriteEndObject();
                json.WriteEndObject();
            });
            written.Add(indexPath);
        }
        // Everything else (config.json, generation_config.json, tokenizer files...) is copied as is.
        var weightFiles = new HashSet<string>(weights.Files.Select(f => Path.GetFileName(f.FilePath)), StringComparer.Ordinal)
        {
            CheckpointWeights.BinIndexFileName, CheckpointWeights.IndexFileName, CheckpointWeights.SingleFileName,
        };
        foreach (var file in Directory.GetFiles(source))
        {
            var name = Path.GetFileName(file);
            if (weightFiles.Contains(name) || name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".bin", StringComparison.Ordinal)) continue;
            File.Copy(file, Path.Combine(output, name), overwrite: true);
        }
        return written;
    }
}
