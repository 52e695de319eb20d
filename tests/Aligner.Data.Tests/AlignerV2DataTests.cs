using System.Text.Json;

namespace Aligner.Data.Tests;

/// <summary>The committed aligner-v2 files: schema, categories, keep rows, mix and held-out splits.</summary>
public sealed class AlignerV2DataTests
{
    private sealed record Row(string Question, string Answer, string Correction, string Category);

    private static List<Row> Read(string split)
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(Path.Combine(AlignerV2Paths.Data, split + ".jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            Assert.Equal(4, r.EnumerateObject().Count());
            rows.Add(new Row(r.GetProperty("question").GetString()!, r.GetProperty("answer").GetString()!,
                r.GetProperty("correction").GetString()!, r.GetProperty("category").GetString()!));
        }
        return rows;
    }

    [Theory]
    [InlineData("train", 20000)]
    [InlineData("validation", 900)]
    [InlineData("test", 900)]
    public void SplitHasTheMixAndKeepRowsAreExactCopies(string split, int minRows)
    {
        var rows = Read(split);
        Assert.True(rows.Count >= minRows, $"{split}: {rows.Count} rows");
        foreach (var r in rows)
        {
            Assert.Contains(r.Category, new[] { "good", "harmful", "factual", "unhelpful" });
            if (r.Category == "good") Assert.Equal(r.Answer, r.Correction);
            else Assert.NotEqual(r.Answer, r.Correction);
        }
        double Share(string c) => rows.Count(r => r.Category == c) / (double)rows.Count;
        Assert.InRange(Share("good"), 0.40, 0.50);
        Assert.InRange(Share("harmful"), 0.16, 0.24);
        Assert.InRange(Share("factual"), 0.16, 0.24);
        Assert.InRange(Share("unhelpful"), 0.11, 0.19);
    }

    [Fact]
    public void EvaluationRowsNeverRepeatATrainRow()
    {
        var train = Read("train").Select(r => (r.Question, r.Answer)).ToHashSet();
        foreach (var split in new[] { "validation", "test" })
            Assert.DoesNotContain(Read(split), r => train.Contains((r.Question, r.Answer)));
    }

    [Fact]
    public void HarmfulCorrectionsShareNoContentWithTheAnswer()
    {
        foreach (var r in Read("train").Where(r => r.Category == "harmful"))
            Assert.DoesNotContain('[', r.Correction);
    }
}
