using System.Text.RegularExpressions;

namespace Aligner.EndToEnd.Tests;

/// <summary>Keeps the README honest: its quick start is the code of a sample that the suite builds and runs.</summary>
public sealed partial class ReadmeTests
{
    [Fact]
    public void Quick_start_is_the_ChatClient_sample_code()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var block = QuickStart().Match(readme);
        Assert.True(block.Success, "README.md has no quickstart block.");
        var sample = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "ChatClient", "Program.cs"));
        int position = 0;
        foreach (var line in block.Groups[1].Value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            int found = sample.IndexOf(line, position, StringComparison.Ordinal);
            Assert.True(found >= 0, $"README quick-start line not found (in order) in samples/ChatClient/Program.cs: {line}");
            position = found + line.Length;
        }
    }

    [Fact]
    public void Ci_runs_the_readme_test_command()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var ci = File.ReadAllText(Path.Combine(RepositoryPaths.Root, ".ci", "run"));
        const string command = "dotnet test Aligner.sln -c Release";
        Assert.Contains(command, readme);
        Assert.Contains(command, ci);
    }

    [GeneratedRegex(@"<!-- quickstart:begin -->\s*```csharp\n(.*?)```\s*<!-- quickstart:end -->", RegexOptions.Singleline)]
    private static partial Regex QuickStart();
}
