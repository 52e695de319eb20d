namespace Aligner.Training.Training;

/// <summary>
/// Writes a folder so that readers see either the old folder or the complete new one: the content is written into a
/// hidden temporary folder next to the target, which is then renamed. An existing target is only replaced when
/// asked, and it is moved aside (not deleted) until the new folder is in place.
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

    /// <summary>Throws when <paramref name="target"/> exists (as a folder with content, or as a file) and may not be replaced.</summary>
    /// <exception cref="IOException">The target exists and <paramref name="overwrite"/> is false, or it is a file.</exception>
    public static void EnsureWritable(string target, bool overwrite)
    {
        if (File.Exists(target)) throw new IOException($"'{target}' is a file; the output must be a folder.");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !overwrite)
            throw new IOException($"The output folder '{target}' already exists and is not empty; choose another folder or allow overwriting.");
    }
}
