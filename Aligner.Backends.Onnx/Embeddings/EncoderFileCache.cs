using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aligner.Backends.Onnx.Protobuf;
using Google.Protobuf;

namespace Aligner.Backends.Onnx;

/// <summary>
/// A sentence encoder's model rewritten once into a cache folder with its weights as ONNX external data
/// (<c>model.onnx</c> + <c>model.onnx.data</c>, every large initializer at a 64 KiB-aligned offset), beside its
/// <c>vocab.txt</c>. ONNX Runtime memory-maps such external data on the CPU instead of copying it, so a session opens
/// from the page cache without touching fresh memory: all-MiniLM-L6-v2 opens in about 0.07–0.3 s instead of 1.7 s
/// from the package's embedded bytes on this machine kind (fresh memory fills at about 0.3 GB/s on this VM).
/// </summary>
/// <remarks>
/// A folder is written under a temporary name and renamed into place, so readers never see half a folder and two
/// processes filling the same entry at once both end up with a whole one. <c>manifest.json</c>, written last, records
/// the files' lengths; an entry whose files do not match it is rebuilt. Nothing outside the cache root is written.
/// </remarks>
internal static class EncoderFileCache
{
    public const string ManifestFileName = "manifest.json";
    public const string DataFileName = "model.onnx.data";
    private const int Alignment = 64 * 1024;       // Windows' allocation granularity; a multiple of every page size
    private const int InlineBelowBytes = 16 * 1024; // small initializers stay in model.onnx
    private const int FormatVersion = 1;

    /// <summary>The cache root used when <see cref="OnnxSentenceEncoderOptions.CacheDirectory"/> is not set.</summary>
    public static string DefaultRoot() => Path.Combine(AlignerCacheDirectory.Root(), "encoders");

    /// <summary>
    /// The cached folder for <paramref name="key"/> when it is complete, else <see langword="null"/>. Only file
    /// lengths are checked (cheap): the folder is ours and written atomically.
    /// </summary>
    public static string? TryGet(string root, string key)
    {
        string folder = Path.Combine(root, key);
        try
        {
            var manifestPath = Path.Combine(folder, ManifestFileName);
            if (!File.Exists(manifestPath)) return null;
            // JsonNode rather than reflection-based (de)serialisation: apps that turn reflection JSON off (trimmed, AOT,
            // file-based apps) must open the cache too.
            if (JsonNode.Parse(File.ReadAllText(manifestPath)) is not JsonObject manifest) return null;
            if (manifest["format"] is not JsonValue f || !f.TryGetValue(out long format) || format != FormatVersion) return null;
            foreach (var (name, node) in manifest)
            {
                if (name == "format") continue;
                if (node is not JsonValue v || !v.TryGetValue(out long length)) return null;
                var file = new FileInfo(Path.Combine(folder, name));
                if (!file.Exists || file.Length != length) return null;
            }
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes the entry for <paramref name="key"/>: <paramref name="model"/> (a whole ONNX model) with its large
    /// initializers moved to external data, and <paramref name="vocabulary"/> as <c>vocab.txt</c>. Returns the folder.
    /// </summary>
    /// <exception cref="IOException">The cache cannot be written (full disk, read-only, ...).</exception>
    /// <exception cref="UnauthorizedAccessException">The cache root is not writable.</exception>
    /// <exception cref="InvalidProtocolBufferException">The model is not an ONNX model.</exception>
    public static string Write(string root, string key, byte[] model, byte[] vocabulary)
    {
        var parsed = ModelProto.Parser.ParseFrom(model);
        Directory.CreateDirectory(root);
        string folder = Path.Combine(root, key);
        string temporary = Path.Combine(root, $".{key}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temporary);
        try
        {
            var lengths = new Dictionary<string, long> { ["format"] = FormatVersion };
            using (var data = new FileStream(Path.Combine(temporary, DataFileName), FileMode.CreateNew, FileAccess.Write))
            {
                foreach (var tensor in parsed.Graph.Initializer)
                {
                    if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.RawData.Length < InlineBelowBytes) continue;
                    long padding = (Alignment - data.Position % Alignment) % Alignment;
                    if (padding > 0) data.Write(new byte[padding]);
                    long offset = data.Position;
                    tensor.RawData.WriteTo(data);
                    long length = tensor.RawData.Length;
                    tensor.RawData = ByteString.Empty;
                    tensor.DataLocation = TensorProto.Types.DataLocation.External;
                    tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = DataFileName });
                    tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                }
                data.Flush(flushToDisk: true);
                lengths[DataFileName] = data.Length;
            }
            using (var graph = new FileStream(Path.Combine(temporary, OnnxSentenceEncoder.ModelFileName), FileMode.CreateNew, FileAccess.Write))
            {
                parsed.WriteTo(graph);
                graph.Flush(flushToDisk: true);
                lengths[OnnxSentenceEncoder.ModelFileName] = graph.Length;
            }
            File.WriteAllBytes(Path.Combine(temporary, OnnxSentenceEncoder.VocabularyFileName), vocabulary);
            lengths[OnnxSentenceEncoder.VocabularyFileName] = vocabulary.Length;
            var manifestJson = new JsonObject();
            foreach (var (name, length) in lengths) manifestJson[name] = length;
            File.WriteAllText(Path.Combine(temporary, ManifestFileName), manifestJson.ToJsonString());

            RemoveAbandonedTemporaries(root, temporary);
            if (Directory.Exists(folder))
            {
                if (TryGet(root, key) is not null) return folder; // another process finished first
                Directory.Delete(folder, recursive: true);        // a damaged entry of ours: rebuilt
            }
            try
            {
                Directory.Move(temporary, folder);
            }
            catch (IOException) when (TryGet(root, key) is not null)
            {
                // Another process moved its copy into place between the check and the move.
            }
            return folder;
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                try { Directory.Delete(temporary, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
    }

    // Temporary folders of processes killed while writing (a live one is seconds old).
    private static void RemoveAbandonedTemporaries(string root, string own)
    {
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(root, ".*.tmp"))
                if (folder != own && Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow.AddHours(-1))
                    try { Directory.Delete(folder, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
