using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Aligner.Backends.Onnx;

/// <summary>
/// ONNX exports of small checkpoints kept in a file cache, so a checkpoint can run on ONNX Runtime without an explicit
/// <c>aligner export-onnx</c>. Meant for small correctors, where starting libtorch costs more than the whole correction:
/// the CLI's main job runs the shipped 3.7 M-parameter corrector this way (a correction from process start in about
/// 0.9 s instead of 1.7 s on 2 cores). The first use exports (about 0.6 s for that corrector); later uses find it.
/// </summary>
/// <remarks>
/// An entry is keyed by a SHA-256 of the checkpoint's files (names, lengths and contents: hashing reads every byte, so
/// this is for small checkpoints), the export options and this assembly's build, so a changed checkpoint or a new
/// exporter gets a new export. An entry is written under a temporary name and renamed into place; two processes
/// exporting the same checkpoint at once both end up with a whole entry. The checkpoint folder is only read.
/// </remarks>
public static class OnnxExportCache
{
    private const string ReadyFileName = ".complete";

    /// <summary>
    /// The export of <paramref name="checkpointFolder"/> with <paramref name="options"/>: found in the cache, or
    /// exported into it now. The returned folder is named like the checkpoint's, so the model's name is unchanged.
    /// </summary>
    /// <param name="checkpointFolder">A Hugging Face checkpoint folder (config.json, safetensors, tokenizer files).</param>
    /// <param name="options">Export options; <see langword="null"/> for the defaults.</param>
    /// <param name="cacheRoot">The cache root; <see langword="null"/> for <see cref="AlignerCacheDirectory.Root"/>.</param>
    /// <param name="logger">Told when an export is written; optional.</param>
    /// <param name="cancellationToken">Cancels the hashing (an export in progress runs to its end).</param>
    /// <returns>The folder holding <c>model.onnx</c> and the tokenizer files.</returns>
    /// <exception cref="ModelFormatException">The checkpoint cannot be read (names the file).</exception>
    /// <exception cref="NotSupportedModelException">The exporter does not support the model with these options.</exception>
    /// <exception cref="IOException">The cache cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The cache root is not writable.</exception>
    public static string GetOrExport(string checkpointFolder, OnnxExportOptions? options = null, string? cacheRoot = null,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointFolder);
        options ??= new OnnxExportOptions();
        options.Validate();
        var source = Path.GetFullPath(checkpointFolder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (!Directory.Exists(source)) throw new ModelFormatException(source, null, "the checkpoint folder does not exist.");
        string name = Path.GetFileName(source);
        string root = Path.Combine(cacheRoot ?? AlignerCacheDirectory.Root(), "exports");
        string key = Key(source, options, cancellationToken);
        string entry = Path.Combine(root, $"{Sanitize(name)}-{key}");
        string folder = Path.Combine(entry, name);
        if (File.Exists(Path.Combine(entry, ReadyFileName))) return folder;

        Directory.CreateDirectory(root);
        string temporary = Path.Combine(root, $".{Sanitize(name)}-{key}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var result = OnnxExporter.Export(source, Path.Combine(temporary, name), options);
            File.WriteAllText(Path.Combine(temporary, ReadyFileName), source + "\n");
            if (Directory.Exists(entry))
            {
                if (File.Exists(Path.Combine(entry, ReadyFileName))) return folder; // another process finished first
                Directory.Delete(entry, recursive: true);                            // an entry of ours left incomplete
            }
            try
            {
                Directory.Move(temporary, entry);
            }
            catch (IOException) when (File.Exists(Path.Combine(entry, ReadyFileName)))
            {
                // Another process moved its export into place between the check and the move.
            }
            PruneSuperseded(root, entry, source);
            logger?.LogInformation("Exported {Checkpoint} to ONNX once into the cache at {Folder} ({Bytes} of weights); later runs reuse it.",
                source, folder, Aligner.Memory.ByteSizes.Format(result.WeightBytes));
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

    // Entries exported earlier from the same checkpoint folder (an older version of it, or an older exporter), entries
    // whose checkpoint folder is gone, and temporary folders over an hour old are deleted: the cache holds one export per existing checkpoint folder.
    // Best effort: an entry that cannot be deleted (in use on Windows) stays.
    private static void PruneSuperseded(string root, string current, string source)
    {
        try
        {
            foreach (var other in Directory.EnumerateDirectories(root))
            {
                if (string.Equals(other, current, StringComparison.Ordinal)) continue;
                if (Path.GetFileName(other).StartsWith('.'))
                {
                    // A temporary folder left by a process that was killed while exporting; a live one is minutes old at most.
                    if (Directory.GetLastWriteTimeUtc(other) < DateTime.UtcNow.AddHours(-1))
                        try { Directory.Delete(other, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                    continue;
                }
                var ready = Path.Combine(other, ReadyFileName);
                if (!File.Exists(ready)) continue;
                string from = File.ReadAllText(ready).TrimEnd('\n');
                if (from != source && Directory.Exists(from)) continue; // another checkpoint's, still there
                try { Directory.Delete(other, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Total bytes of a checkpoint folder's weight files (safetensors and .bin), to decide whether caching an export pays.</summary>
    public static long WeightBytes(string checkpointFolder) =>
        Directory.Exists(checkpointFolder)
            ? new DirectoryInfo(checkpointFolder).EnumerateFiles()
                .Where(f => f.Name.EndsWith(".safetensors", StringComparison.Ordinal) || f.Name.EndsWith(".bin", StringComparison.Ordinal))
                .Sum(f => f.Length)
            : 0;

    private static string Key(string folder, OnnxExportOptions options, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add($"exporter {typeof(OnnxExportCache).Assembly.ManifestModule.ModuleVersionId:N}");
        Add($"options {options.Operators} {options.WeightType} {options.LinearWeightBits} {options.QuantizationBlockSize} {options.AccuracyLevel} {options.ModelFileName} {options.ExternalData}");
        var buffer = new byte[1 << 20];
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Add($"file {file.Name} {file.Length}");
            try
            {
                using var stream = file.OpenRead();
                int read;
                while ((read = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, read);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ModelFormatException(file.FullName, null, $"cannot be read: {e.Message}", e);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..20];
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (char c in name) builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '-');
        return builder.Length == 0 ? "model" : builder.ToString();
    }
}
