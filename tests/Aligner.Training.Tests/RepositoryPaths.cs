namespace Aligner.Training.Tests;

internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string DemoData => Path.Combine(Root, "samples", "data", "aligner-demo");

    public static string DemoModel => Path.Combine(Root, "samples", "models", "aligner-demo");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Aligner.sln"))) return dir.FullName;
        throw new InvalidOperationException("Aligner.sln not found above " + AppContext.BaseDirectory);
    }
}
