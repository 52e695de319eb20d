using System.Text.Json;
using Aligner.Training.Judging;

namespace Aligner.Training.Tests.Judging;

public sealed class WinRateReportTests
{
    [Fact]
    public void WinRateIsThePapersFormula()
    {
        var tally = WinRateTally.From([
            PairwiseVerdict.Win, PairwiseVerdict.Win, PairwiseVerdict.Win, PairwiseVerdict.Lose, PairwiseVerdict.Equal,
            PairwiseVerdict.Unparsable, PairwiseVerdict.Unparsable]);

        Assert.Equal(new WinRateTally(3, 1, 1, 2), tally);
        Assert.Equal(5, tally.Decided);
        Assert.Equal(7, tally.Total);
        Assert.Equal(40.0, tally.WinRate!.Value, 10); // (3 - 1) / (3 + 1 + 1) × 100
        Assert.Equal(-100.0, WinRateTally.From([PairwiseVerdict.Lose]).WinRate);
        Assert.Null(WinRateTally.From([PairwiseVerdict.Unparsable]).WinRate);
        Assert.Null(WinRateTally.Empty.WinRate);
    }

    [Fact]
    public async Task RunnerKeepsInputOrderAndReportsProgress()
    {
        // The candidate wins when it is longer, loses when shorter, ties when equal; an empty question gets no verdict.
        var client = new ScriptedJudgeChatClient((q, a, b) =>
            q.Length == 0 ? "no idea" : $"Better: [[{(a.Length > b.Length ? "responseA" : a.Length < b.Length ? "responseB" : "Equal")}]]");
        var comparisons = Enumerable.Range(0, 24).Select(i => (i % 4) switch
        {
            0 => new PairwiseComparison($"q{i}", "a long answer", "short"),
            1 => new PairwiseComparison($"q{i}", "short", "a long answer"),
            2 => new PairwiseComparison($"q{i}", "same!", "equal"),
            _ => new PairwiseComparison("", "x", "y"),
        } with { Id = $"row{i}" }).ToList();
        var reports = new List<int>();
        var progress = new SynchronousProgress<int>(reports.Add);

        var entry = await PairwiseEvaluationRunner.EvaluateAsync(new ChatClientPairwiseJudge(client, new() { RetriesWhenUnparsable = 0 }),
            "corrected vs original", comparisons, JudgingCriterion.Helpfulness, maxConcurrency: 3, progress);

        Assert.Equal(comparisons.Select(c => c.Id), entry.Judgments.Select(j => j.Comparison.Id));
        Assert.Equal(new WinRateTally(6, 6, 6, 6), entry.Tally);
        Assert.Equal(0.0, entry.Tally.WinRate);
        Assert.Equal(24, reports.Count);
        Assert.Equal(24, reports.Max());
    }

    [Fact]
    public void ReportRendersJsonAndMarkdown()
    {
        var helpful = new PairwiseEvaluationEntry("corrected vs original", JudgingCriterion.Helpfulness, new WinRateTally(3, 1, 1, 2), 1, []);
        var harmless = new PairwiseEvaluationEntry("corrected | stacked", JudgingCriterion.Harmlessness, new WinRateTally(0, 0, 0, 4), 0, []);
        var report = new PairwiseEvaluationReport([helpful, harmless]);

        using var json = JsonDocument.Parse(report.ToJson());
        var entries = json.RootElement.GetProperty("entries");
        Assert.Equal(2, entries.GetArrayLength());
        var first = entries[0];
        Assert.Equal("corrected vs original", first.GetProperty("name").GetString());
        Assert.Equal("helpfulness", first.GetProperty("criterion").GetString());
        Assert.Equal(3, first.GetProperty("wins").GetInt32());
        Assert.Equal(1, first.GetProperty("losses").GetInt32());
        Assert.Equal(1, first.GetProperty("ties").GetInt32());
        Assert.Equal(2, first.GetProperty("unparsable").GetInt32());
        Assert.Equal(40.0, first.GetProperty("winRate").GetDouble(), 10);
        Assert.Equal(1, first.GetProperty("positionDisagreements").GetInt32());
        Assert.False(first.TryGetProperty("judgments", out _));
        Assert.False(entries[1].TryGetProperty("winRate", out _));

        var lines = report.ToMarkdown().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("| comparison | criterion | win | lose | equal | unparsable | win rate (%) |", lines[0]);
        Assert.Equal("| corrected vs original | helpfulness | 3 | 1 | 1 | 2 | +40.0 |", lines[2]);
        Assert.Equal("| corrected \\| stacked | harmlessness | 0 | 0 | 0 | 4 | — |", lines[3]);
    }

    [Fact]
    public async Task JsonCanCarryEveryJudgment()
    {
        var client = new ScriptedJudgeChatClient((_, a, b) => $"Better: [[{(a.Length > b.Length ? "responseA" : "responseB")}]]");
        var entry = await PairwiseEvaluationRunner.EvaluateAsync(new ChatClientPairwiseJudge(client), "x",
            [new PairwiseComparison("q", "longer one", "short") { Id = "k1" }], JudgingCriterion.Helpfulness);

        using var json = JsonDocument.Parse(new PairwiseEvaluationReport([entry]).ToJson(includeJudgments: true));
        var judgment = json.RootElement.GetProperty("entries")[0].GetProperty("judgments")[0];
        Assert.Equal("win", judgment.GetProperty("verdict").GetString());
        Assert.Equal("k1", judgment.GetProperty("comparison").GetProperty("id").GetString());
        Assert.Equal("Better: [[responseB]]", judgment.GetProperty("orders")[1].GetProperty("replyText").GetString());
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        private readonly Lock _gate = new();

        public void Report(T value)
        {
            lock (_gate) report(value);
        }
    }
}
