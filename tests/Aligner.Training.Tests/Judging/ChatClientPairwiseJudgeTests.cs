using Aligner.Training.Judging;

namespace Aligner.Training.Tests.Judging;

public sealed class ChatClientPairwiseJudgeTests
{
    private static readonly PairwiseComparison Polite = new("How do I boil an egg?", "Put it in boiling water for 9 minutes, then cool it.", "Figure it out.");

    /// <summary>A fair judge: prefers the longer response, whichever position it is in.</summary>
    private static string LongerIsBetter(string question, string a, string b) =>
        $"Comparing.\nBetter: [[{(a.Length > b.Length ? "responseA" : a.Length < b.Length ? "responseB" : "Equal")}]]";

    [Fact]
    public async Task AsksTwiceWithPositionsSwapped()
    {
        var client = new ScriptedJudgeChatClient(LongerIsBetter);
        var judgment = await new ChatClientPairwiseJudge(client).JudgeAsync(Polite, JudgingCriterion.Helpfulness);

        Assert.Equal(2, client.Calls.Count);
        Assert.Equal((Polite.Candidate, Polite.Baseline), (client.Calls[0].ResponseA, client.Calls[0].ResponseB));
        Assert.Equal((Polite.Baseline, Polite.Candidate), (client.Calls[1].ResponseA, client.Calls[1].ResponseB));
        Assert.Equal(PairwiseVerdict.Win, judgment.Verdict);
        Assert.Equal([JudgeChoice.ResponseA, JudgeChoice.ResponseB], judgment.Orders.Select(o => o.Choice));
        Assert.False(judgment.PositionsDisagree);
        Assert.Same(Polite, judgment.Comparison);
    }

    [Fact]
    public async Task PositionBiasCancelsToEqual()
    {
        var client = new ScriptedJudgeChatClient((_, _, _) => "Better: [[responseA]]");
        var judgment = await new ChatClientPairwiseJudge(client, new() { RetriesWhenUnparsable = 0 }).JudgeAsync(Polite, JudgingCriterion.Helpfulness);

        Assert.Equal(PairwiseVerdict.Equal, judgment.Verdict);
        Assert.True(judgment.PositionsDisagree);
    }

    [Fact]
    public async Task WithoutSwappingOnlyOneOrderIsAsked()
    {
        var client = new ScriptedJudgeChatClient((_, _, _) => "Better: [[responseA]]");
        var judgment = await new ChatClientPairwiseJudge(client, new() { SwapPositions = false }).JudgeAsync(Polite, JudgingCriterion.Helpfulness);

        Assert.Single(client.Calls);
        Assert.Equal(PairwiseVerdict.Win, judgment.Verdict);
    }

    [Fact]
    public async Task HarmlessnessNamesTheMoreHarmfulResponse()
    {
        var client = new ScriptedJudgeChatClient((_, a, b) =>
            $"More harmful: [[{(a.Contains("explosive", StringComparison.Ordinal) ? "responseA" : b.Contains("explosive", StringComparison.Ordinal) ? "responseB" : "Equal")}]]");
        var judge = new ChatClientPairwiseJudge(client);
        var refusal = new PairwiseComparison("How do I make a bomb?", "I can't help with that; if you are in danger, call emergency services.", "Mix the explosive powder with...");

        var corrected = await judge.JudgeAsync(refusal, JudgingCriterion.Harmlessness);
        var reversed = await judge.JudgeAsync(refusal with { Candidate = refusal.Baseline, Baseline = refusal.Candidate }, JudgingCriterion.Harmlessness);

        Assert.Equal(PairwiseVerdict.Win, corrected.Verdict);
        Assert.Equal(PairwiseVerdict.Lose, reversed.Verdict);
        Assert.All(client.Calls, c => Assert.Contains("[[responseA]]", c.System, StringComparison.Ordinal));
        Assert.All(client.Calls, c => Assert.Contains("More harmful:", c.System, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnparsableReplyIsRetriedThenCountedApart()
    {
        int calls = 0;
        var flaky = new ScriptedJudgeChatClient((_, _, _) => Interlocked.Increment(ref calls) == 1 ? "I cannot decide." : "Better: [[Equal]]");
        var recovered = await new ChatClientPairwiseJudge(flaky).JudgeAsync(Polite, JudgingCriterion.Helpfulness);
        Assert.Equal(3, flaky.Calls.Count);
        Assert.Equal(PairwiseVerdict.Equal, recovered.Verdict);

        var mute = new ScriptedJudgeChatClient((_, _, _) => "no verdict here");
        var lost = await new ChatClientPairwiseJudge(mute, new() { RetriesWhenUnparsable = 2 }).JudgeAsync(Polite, JudgingCriterion.Helpfulness);
        Assert.Equal(6, mute.Calls.Count);
        Assert.Equal(PairwiseVerdict.Unparsable, lost.Verdict);
        Assert.All(lost.Orders, o => Assert.Equal("no verdict here", o.ReplyText));
    }

    [Fact]
    public async Task ChatOptionsAreClonedPerCall()
    {
        var options = new ChatClientPairwiseJudgeOptions();
        var client = new ScriptedJudgeChatClient(LongerIsBetter);
        await new ChatClientPairwiseJudge(client, options).JudgeAsync(Polite, JudgingCriterion.Helpfulness);

        Assert.All(client.OptionsSeen, o => Assert.NotSame(options.ChatOptions, o));
        Assert.All(client.OptionsSeen, o => Assert.Equal(0f, o!.Temperature));
    }

    [Fact]
    public async Task NullFieldsAreRejected()
    {
        var judge = new ChatClientPairwiseJudge(new ScriptedJudgeChatClient(LongerIsBetter));
        await Assert.ThrowsAsync<ArgumentNullException>(() => judge.JudgeAsync(Polite with { Candidate = null! }, JudgingCriterion.Helpfulness));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChatClientPairwiseJudge(new ScriptedJudgeChatClient(LongerIsBetter), new() { RetriesWhenUnparsable = -1 }));
    }
}
