using System.Text.Json.Nodes;

namespace Aligner.Cli.Tests;

/// <summary>The main job with defaults answers a flagged dismissive answer to a "what is" question from the shipped definitions; --facts none turns that off.</summary>
public sealed class KnowledgeTests
{
    [Fact]
    public async Task A_dismissive_answer_to_a_definition_question_gets_the_definition()
    {
        string[] pair = ["correct", "--json", "-q", "Can you explain what inflation is?", "-a", "Not my job to teach you basic economics."];
        var run = await Cli.RunAsync(pair);
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = JsonNode.Parse(run.Stdout)!;
        Assert.Equal("Inflation is a general and progressive increase in prices.", (string?)json["correction"]);
        Assert.Equal("wordnet", (string?)json["knowledge"]!["source"]);
        Assert.Equal("inflation", (string?)json["knowledge"]!["topic"]);
        Assert.Equal(0, (int)json["generated_tokens"]!);

        var without = await Cli.RunAsync([.. pair, "--facts", "none"]);
        Assert.True(without.ExitCode == 0, without.ToString());
        Assert.Null(JsonNode.Parse(without.Stdout)!["knowledge"]);
    }
}
