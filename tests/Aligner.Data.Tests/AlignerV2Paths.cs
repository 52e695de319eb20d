namespace Aligner.Data.Tests;

internal static class AlignerV2Paths
{
    public static string Root { get; } = FindRoot();

    public static string Data => Path.Combine(Root, "samples", "data", "aligner-v2");

    public static string Tokenizer => Path.Combine(Data, "tokenizer");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Aligner.sln"))) return dir.FullName;
        throw new InvalidOperationException("Aligner.sln not found above " + AppContext.BaseDirectory);
    }
}
