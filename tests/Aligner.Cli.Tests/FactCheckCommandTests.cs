using System.Text.Json.Nodes;

namespace Aligner.Cli.Tests;

/// <summary><c>--facts</c> on <c>correct</c>: the built-in fact checkers are on by default and fix a wrong sum without generation.</summary>
public sealed class FactCheckCommandTests
{
    [Fact]
    public async Task A_wrong_sum_is_fixed_by_default_and_goes_to_the_corrector_with_facts_none()
    {
        var fixedByDefault = await Cli.RunAsync("correct", "--json", "--gate", "none", "--max-new-tokens", "8",
            "-q", "What is 17 + 26?", "-a", "17 + 26 = 33.");
        Assert.True(fixedByDefault.ExitCode == 0, fixedByDefault.ToString());
        var json = JsonNode.Parse(fixedByDefault.Stdout)!;
        Assert.Equal("17 + 26 = 43.", (string?)json["correction"]);
        Assert.Equal(0, (int)json["generated_tokens"]!);
        var check = json["fact_checks"]!.AsArray().Single()!;
        Assert.Equal("arithmetic", (string?)check["checker"]);
        Assert.Equal("33", (string?)check["claim"]);
        Assert.Equal("43", (string?)check["expected"]);

        var human = await Cli.RunAsync("correct", "--gate", "none", "-q", "Capital of Japan?", "-a", "Kyoto.");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("fact check capital-city", human.Stdout);

        var without = await Cli.RunAsync("correct", "--json", "--facts", "none", "--gate", "none", "--max-new-tokens", "8",
            "-q", "What is 17 + 26?", "-a", "17 + 26 = 33.");
        Assert.True(without.ExitCode == 0, without.ToString());
        Assert.Null(JsonNode.Parse(without.Stdout)!["fact_checks"]);

        var bad = await Cli.RunAsync("correct", "--facts", "all", "-q", "Q?", "-a", "A.");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--facts", bad.Stderr);
    }
}
