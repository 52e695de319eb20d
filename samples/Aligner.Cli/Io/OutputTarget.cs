namespace Aligner.Cli.Io;

/// <summary>
/// The one rule for everything a command writes: the path is checked before any work (its folder exists and is
/// writable), an existing non-empty target is refused unless <c>--overwrite</c>, and a replacement is written to a
/// hidden temporary sibling that is then renamed over the target (readers see the old or the new content, never a mix).
/// </summary>
internal static class OutputTarget
{
    /// <summary>Checks that a file can be written at <paramref name="path"/> and returns its full path.</summary>
    /// <param name="path">The path as given.</param>
    /// <param name="flag">The option that named it, for messages (e.g. <c>--output</c>).</param>
    public static string ValidateFilePath(string path, string flag)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new CliUsageException($"{flag} '{path}' is a folder; give a file path.");
        EnsureWritableFolder(Path.GetDirectoryName(full)!, flag, path);
        return full;
    }

    /// <summary>Checks that a folder can be created (or filled) at <paramref name="path"/> and returns its full path.</summary>
    public static string ValidateFolderPath(string path, string flag)
    {
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (File.Exists(full)) throw new CliUsageException($"{flag} '{path}' is a file; give a folder path.");
        EnsureWritableFolder(Directory.Exists(full) ? full : Path.GetDirectoryName(full)!, flag, path);
        return full;
    }

    /// <summary>Throws a usage error when <paramref name="folder"/> is missing or a file cannot be created in it.</summary>
    public static void EnsureWritableFolder(string folder, string flag, string path)
    {
        if (!Directory.Exists(folder)) throw new CliUsageException($"{flag} '{path}': the folder '{folder}' does not exist.");
        var probe = Path.Combine(folder, $".aligner-write-check-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliUsageException($"{flag} '{path}': the folder '{folder}' is not writable.");
        }
    }

    /// <summary>Whether <paramref name="fullPath"/> is an existing file with content or a folder with entries.</summary>
    public static bool ExistsWithContent(string fullPath) =>
        (File.Exists(fullPath) && new FileInfo(fullPath).Length > 0)
        || (Directory.Exists(fullPath) && Directory.EnumerateFileSystemEntries(fullPath).Any());

    /// <summary>Refuses an existing non-empty target unless <paramref name="overwrite"/>.</summary>
    public static void RefuseExisting(string fullPath, string flag, bool overwrite)
    {
        if (!overwrite && ExistsWithContent(fullPath))
            throw new CliUsageException($"{flag} '{fullPath}' already exists and is not empty; pass --overwrite to replace it, or choose another path.");
    }

    /// <summary>A hidden sibling of <paramref name="fullPath"/> to write into before renaming.</summary>
    public static string TempSibling(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");

    /// <summary>Writes a file through a temporary sibling, then renames it over <paramref name="fullPath"/>.</summary>
    public static async Task WriteFileAsync(string fullPath, Func<string, Task> write)
    {
        var temp = TempSibling(fullPath);
        try
        {
            await write(temp);
            File.Move(temp, fullPath, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Writes a file through a temporary sibling, then renames it over <paramref name="fullPath"/>.</summary>
    public static void WriteFile(string fullPath, Action<string> write) =>
        WriteFileAsync(fullPath, temp => { write(temp); return Task.CompletedTask; }).GetAwaiter().GetResult();

    /// <summary>Deletes a file, ignoring failures (cleanup of temporary files).</summary>
    public static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
