namespace Aligner.EndToEnd.Tests;

/// <summary>Finds the repository and the CLI's build output from the test's own location.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>bin/Debug or bin/Release, whichever this test assembly was built as.</summary>
    public static string Configuration { get; } = FindConfiguration();

    public static string CliDll => Path.Combine(Root, "samples", "Aligner.Cli", "bin", Configuration, "net10.0", "aligner.dll");

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
