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

        // Without the knowledge sources the corrector writes about something else, and the topic check returns the
        // original answer as a fallback (exit 5); with the check off, that rewrite comes back.
        var without = await Cli.RunAsync([.. pair, "--facts", "none"]);
        Assert.True(without.ExitCode == 5, without.ToString());
        var fallback = JsonNode.Parse(without.Stdout)!;
        Assert.Null(fallback["knowledge"]);
        Assert.Equal("OffTopicOutput", (string?)fallback["fallback_reason"]);
        Assert.Equal("Not my job to teach you basic economics.", (string?)fallback["correction"]);

        var unchecked_ = await Cli.RunAsync([.. pair, "--facts", "none", "--min-topic-similarity", "-1"]);
        Assert.True(unchecked_.ExitCode == 0, unchecked_.ToString());
        Assert.NotEqual("Not my job to teach you basic economics.", (string?)JsonNode.Parse(unchecked_.Stdout)!["correction"]);
    }

    [Fact]
    public async Task A_topic_similarity_outside_minus_one_to_one_is_a_usage_error()
    {
        var run = await Cli.RunAsync("correct", "-q", "Why?", "-a", "Because.", "--min-topic-similarity", "2");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--min-topic-similarity", run.ToString());
    }
}
