namespace Aligner.Core.Tests.Support;

/// <summary>The repository's root (the folder holding Aligner.sln), found from the test assembly's folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Aligner.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("Aligner.sln not found above the test folder.");
    }
}
