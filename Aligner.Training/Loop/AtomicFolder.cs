namespace Aligner.Training;

/// <summary>
/// Writes a folder so that readers see either the old folder or the complete new one: the content is written into a
/// hidden temporary folder next to the target, which is then renamed. An existing target is only replaced when
/// asked, and it is moved aside (not deleted) until the new folder is in place; entries of it that are not model
/// files (<see cref="IsModelFile"/>) and that the new content does not replace are kept.
/// </summary>
public static class AtomicFolder
{
    /// <summary>Writes <paramref name="target"/> through <paramref name="write"/>, which receives the temporary folder to fill.</summary>
    /// <param name="target">The folder to create.</param>
    /// <param name="overwrite">Replace an existing folder.</param>
    /// <param name="write">Fills the folder it is given.</param>
    /// <exception cref="IOException"><paramref name="target"/> exists and <paramref name="overwrite"/> is false.</exception>
    public static void Write(string target, bool overwrite, Action<string> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(target).TrimEnd(Path.DirectorySeparatorChar);
        EnsureWritable(full, overwrite);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(full);
        var temp = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            write(temp);
            if (Directory.Exists(full))
            {
                // Only what the writer produces is replaced: other entries of the old folder (notes, a README, data
                // the user keeps there) move into the new folder first. Model files the new write did not produce
                // (e.g. the shards of an earlier, larger checkpoint) are not kept: they would mix two models.
                foreach (var entry in Directory.EnumerateFileSystemEntries(full))
                {
                    var entryName = Path.GetFileName(entry);
                    var destination = Path.Combine(temp, entryName);
                    if (File.Exists(destination) || Directory.Exists(destination) || IsModelFile(entryName)) continue;
                    if (Directory.Exists(entry)) Directory.Move(entry, destination);
                    else File.Move(entry, destination);
                }
                var aside = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.old");
                Directory.Move(full, aside);
                Directory.Move(temp, full);
                Directory.Delete(aside, recursive: true);
            }
            else Directory.Move(temp, full);
        }
        catch
        {
            try { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// Whether a file name is one a model folder's writers produce (weights, configs, tokenizer, ONNX and GGUF exports,
    /// the training log and loss plot): such files are replaced as a set, never mixed with an earlier model's.
    /// </summary>
    /// <param name="fileName">A file name without folder.</param>
    public static bool IsModelFile(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var name = fileName.ToLowerInvariant();
        return name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".safetensors.index.json", StringComparison.Ordinal)
            || name.EndsWith(".onnx", StringComparison.Ordinal) || name.EndsWith(".onnx.data", StringComparison.Ordinal)
            || name.EndsWith(".onnx_data", StringComparison.Ordinal) || name.EndsWith(".gguf", StringComparison.Ordinal)
            || name.EndsWith(".bin", StringComparison.Ordinal) || name.StartsWith("tokenizer", StringComparison.Ordinal)
            || name is "config.json" or "generation_config.json" or "genai_config.json" or "special_tokens_map.json"
                or "added_tokens.json" or "vocab.json" or "merges.txt" or "training_log.json" or "loss.png";
    }

    /// <summary>Throws when <paramref name="target"/> exists (as a folder with content, or as a file) and may not be replaced.</summary>
    /// <exception cref="IOException">The target exists and <paramref name="overwrite"/> is false, or it is a file.</exception>
    public static void EnsureWritable(string target, bool overwrite)
    {
        if (File.Exists(target)) throw new IOException($"'{target}' is a file; the output must be a folder.");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !overwrite)
            throw new IOException($"The output folder '{target}' already exists and is not empty; choose another folder or allow overwriting.");
    }
}
