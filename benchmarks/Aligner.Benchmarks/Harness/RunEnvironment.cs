namespace Aligner.Benchmarks.Harness;

/// <summary>Where a benchmark runs: the repository it reads data from, and the machine's load beside its figures.</summary>
internal static class RunEnvironment
{
    /// <summary>
    /// The repository root: the first folder above the working or program folder that holds
    /// <paramref name="relativeMarker"/> (a file path relative to the root), or <see langword="null"/>.
    /// </summary>
    public static string? FindRepository(string relativeMarker)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, relativeMarker))) return dir.FullName;
        return null;
    }

    /// <summary>The 1, 5 and 15-minute load averages, or "n/a" where /proc/loadavg does not exist.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
