using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Aligner.Cli.Tests;

/// <summary>What one run of the CLI did.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The stderr lines the error contract owns (progress lines are not among them).</summary>
    public IReadOnlyList<string> MessageLines => Stderr.Split('\n').Where(l => l.StartsWith("aligner:", StringComparison.Ordinal)).ToList();

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the built CLI (<c>dotnet aligner.dll</c>) as a child process, the way users run it.</summary>
internal static partial class Cli
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } = FindConfiguration();

    public static string Dll => Path.Combine(Root, "samples", "Aligner.Cli", "bin", Configuration, "net10.0", "aligner.dll");

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return info;
    }

    public static Task<CliRun> RunAsync(params string[] args) => RunWithEnvironmentAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs the CLI with extra environment variables (e.g. ALIGNER_CACHE_DIR).</summary>
    public static async Task<CliRun> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = StartInfo(args);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The JSON objects of a JSONL file (every line must parse).</summary>
    public static List<JsonObject> ReadJsonl(string path) =>
        [.. File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject())];

    /// <summary>
    /// The signal a user's Ctrl-C sends: SIGINT (2), unless this process inherited SIGINT as ignored (a shell starts
    /// background jobs so when job control is off, and the CLI started from here inherits it, as POSIX wants); then
    /// SIGTERM (15), which the CLI handles the same way.
    /// </summary>
    public static int InterruptSignal
    {
        get
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            bool ignored = line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0;
            return ignored ? 15 : 2;
        }
    }

    /// <summary>Sends a POSIX signal (SIGINT = 2) to a process.</summary>
    /// <returns>False when the process no longer exists.</returns>
    public static bool Signal(Process process, int signal)
    {
        if (Kill(process.Id, signal) == 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        return errno == 3 ? false : throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {errno}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private static string FindConfiguration()
    {
        var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        int bin = Array.LastIndexOf(parts, "bin");
        return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Release";
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Aligner.sln"))) return dir.FullName;
        throw new InvalidOperationException("Aligner.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary folder, deleted at the end of a test.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("aligner-cli-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Input rows for batch tests: taken from the shipped demo test split.</summary>
internal static class Rows
{
    public static IReadOnlyList<string> Demo(int count) =>
        [.. File.ReadLines(System.IO.Path.Combine(Cli.Root, "samples", "data", "aligner-demo", "test.jsonl")).Take(count)];
}
