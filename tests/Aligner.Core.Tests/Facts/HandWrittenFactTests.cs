using System.Text.Json;
using Aligner.Facts;
using Xunit.Abstractions;

namespace Aligner.Core.Tests.Facts;

/// <summary>
/// The built-in fact checkers alone on the hand-written sets (tests/data/handwritten) and the generated data v2 test
/// split: they must never change an answer that needs no fix, nor any answer outside their kinds of claim, and must
/// fix the checkable factual errors exactly as the reference does.
/// </summary>
public sealed class HandWrittenFactTests(ITestOutputHelper output)
{
    private static string Root => Support.RepositoryPaths.Root;

    private static IEnumerable<(string Question, string Answer, string Correction, string Category)> Rows(params string[] path) =>
        File.ReadLines(Path.Combine([Root, .. path]))
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("question").GetString()!, e.GetProperty("answer").GetString()!,
                e.GetProperty("correction").GetString()!, e.TryGetProperty("category", out var c) ? c.GetString()! : ""));

    /// <summary>The built-in checkers and WordNet's, as the CLI runs them with the shipped corrector.</summary>
    private static readonly IFactChecker[] Checkers =
        [.. FactCheckers.BuiltIn, Aligner.Knowledge.WordNetFactChecker.LoadOnFirstUse(Path.Combine(Root, "samples", "models", "aligner-v3", "knowledge", "definitions.txt.gz"))];

    private static string Check(string question, string answer)
    {
        foreach (var checker in Checkers)
            if (checker.Check(question, answer) is { } fix) answer = fix.CorrectedAnswer;
        return answer;
    }

    [Theory]
    [InlineData("offdist.jsonl", 27)]
    [InlineData("dev.jsonl", 0)]
    [InlineData("gate-holdout.jsonl", 0)]
    [InlineData("factual-dev.jsonl", 140)]
    public void Fixes_checkable_facts_and_nothing_else(string file, int minimumFixed)
    {
        int fixedFacts = 0, factual = 0;
        foreach (var (q, a, reference, category) in Rows("tests", "data", "handwritten", file))
        {
            var o = Check(q, a);
            if (category == "factual")
            {
                factual++;
                if (o == reference) fixedFacts++;
                else Assert.True(o == a, $"changed a factual answer, but not to the reference: {q} | {a} => {o}");
            }
            else Assert.True(o == a, $"[{category}] changed an answer that needs no fact fix: {q} | {a} => {o}");
        }
        output.WriteLine($"{file}: {fixedFacts}/{factual} factual errors fixed exactly");
        Assert.True(fixedFacts >= minimumFixed, $"{fixedFacts}/{factual} fixed, expected at least {minimumFixed}");
    }

    /// <summary>Thousands separators dropped: the generator writes 2900 where the checker writes 2,900.</summary>
    private static string Numbers(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"(?<=\d),(?=\d{3})", "");

    [Fact]
    public void Never_touches_generated_answers_that_need_no_fix()
    {
        int changedWrongly = 0, checkedRows = 0, fixedFacts = 0, factual = 0;
        foreach (var (q, a, reference, category) in Rows("samples", "data", "aligner-v2", "test.jsonl"))
        {
            var o = Check(q, a);
            checkedRows++;
            if (category == "factual") { factual++; if (Numbers(o) == Numbers(reference)) fixedFacts++; }
            if (o != a && Numbers(o) != Numbers(reference)) { changedWrongly++; output.WriteLine($"[{category}] {q} | {a} => {o} (reference: {reference})"); }
        }
        output.WriteLine($"data v2 test split: {fixedFacts}/{factual} factual fixed exactly, {changedWrongly}/{checkedRows} changed to something else");
        Assert.Equal(0, changedWrongly);
    }
}
