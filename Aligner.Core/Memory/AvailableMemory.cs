using System.Globalization;

namespace Aligner.Memory;

/// <summary>
/// How much memory this process can still use: the tighter of its cgroup's limit (v2 <c>memory.max</c> −
/// working set, or v1 <c>memory.limit_in_bytes</c> − working set; the working set excludes inactive page cache, which
/// the kernel reclaims before it kills anything) and the machine's <c>MemAvailable</c> from <c>/proc/meminfo</c>.
/// </summary>
/// <param name="Bytes">Available bytes.</param>
/// <param name="Source">Where the figure came from, for messages (e.g. <c>cgroup v2 /sys/fs/cgroup/memory.max</c>).</param>
public sealed record AvailableMemory(long Bytes, string Source)
{
    /// <summary>Reads the figure for the current process; <see langword="null"/> where nothing can be read (not Linux).</summary>
    public static AvailableMemory? Read() => Read("/proc", "/sys/fs/cgroup");

    /// <summary>Reads the figure from the given <c>/proc</c> and cgroup roots (tests point these at fake trees).</summary>
    /// <param name="procRoot">The <c>/proc</c> folder: <c>meminfo</c> and <c>self/cgroup</c> are read from it.</param>
    /// <param name="cgroupRoot">The cgroup file system's mount point.</param>
    public static AvailableMemory? Read(string procRoot, string cgroupRoot)
    {
        ArgumentNullException.ThrowIfNull(procRoot);
        ArgumentNullException.ThrowIfNull(cgroupRoot);
        AvailableMemory? best = null;
        if (ReadMeminfo(Path.Combine(procRoot, "meminfo")) is { } machine) best = new AvailableMemory(machine, "MemAvailable in /proc/meminfo");
        if (ReadCgroup(procRoot, cgroupRoot) is { } group && (best is null || group.Bytes < best.Bytes)) best = group;
        return best;
    }

    private static long? ReadMeminfo(string path)
    {
        var lines = TryReadLines(path);
        if (lines is null) return null;
        foreach (var line in lines)
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
            var parts = line["MemAvailable:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
                return parts.Length >= 2 && parts[1] == "kB" ? kb * 1024 : kb;
        }
        return null;
    }

    private static AvailableMemory? ReadCgroup(string procRoot, string cgroupRoot)
    {
        var membership = TryReadLines(Path.Combine(procRoot, "self", "cgroup"));
        if (membership is null) return null;
        string? v2Path = null, v1Path = null;
        foreach (var line in membership)
        {
            // hierarchy-id:controllers:path
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            if (parts[0] == "0" && parts[1].Length == 0) v2Path = parts[2];
            else if (parts[1].Split(',').Contains("memory")) v1Path = parts[2];
        }
        AvailableMemory? best = null;
        if (v2Path is not null)
        {
            // Walk from the process's group up to the root: any ancestor's limit also applies.
            foreach (var folder in Ancestors(cgroupRoot, v2Path))
                Consider(ref best, folder, "memory.max", "memory.current", "inactive_file", "cgroup v2");
        }
        if (v1Path is not null)
        {
            foreach (var folder in Ancestors(Path.Combine(cgroupRoot, "memory"), v1Path))
                Consider(ref best, folder, "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file", "cgroup v1");
        }
        return best;
    }

    private static void Consider(ref AvailableMemory? best, string folder, string limitFile, string usageFile, string inactiveKey, string kind)
    {
        var limitText = TryReadText(Path.Combine(folder, limitFile));
        if (limitText is null || limitText == "max") return;
        if (!long.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out long limit)) return;
        if (limit >= long.MaxValue / 2) return; // v1 writes "no limit" as a huge page-rounded number.
        var usageText = TryReadText(Path.Combine(folder, usageFile));
        long usage = usageText is not null && long.TryParse(usageText, NumberStyles.None, CultureInfo.InvariantCulture, out long u) ? u : 0;
        long inactive = ReadStat(Path.Combine(folder, "memory.stat"), inactiveKey) ?? 0;
        long workingSet = Math.Max(0, usage - inactive);
        long available = Math.Max(0, limit - workingSet);
        if (best is null || available < best.Bytes)
            best = new AvailableMemory(available, $"{kind} limit {Path.Combine(folder, limitFile)}");
    }

    private static IEnumerable<string> Ancestors(string root, string groupPath)
    {
        var segments = groupPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // Refuse path tricks in a membership line; only plain names are followed.
        if (segments.Any(s => s is "." or "..")) yield break;
        for (int n = segments.Length; n >= 0; n--)
            yield return Path.Combine([root, .. segments.Take(n)]);
    }

    private static long? ReadStat(string path, string key)
    {
        var lines = TryReadLines(path);
        if (lines is null) return null;
        foreach (var line in lines)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long v)) return v;
        }
        return null;
    }

    private static string[]? TryReadLines(string path)
    {
        try { return File.Exists(path) ? File.ReadAllLines(path) : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string? TryReadText(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path).Trim() : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
