using Aligner.Training.Evaluation;

namespace Aligner.Training.Tests.Evaluation;

/// <summary>chrF against values computed by hand (n-gram counts written out in each case).</summary>
public class ChrFTests
{
    [Fact]
    public void PartialOverlapMatchesTheHandComputedValue()
    {
        // "ab" vs "abc". Order 1: hyp {a, b}, ref {a, b, c}, 2 matches: P = 1, R = 2/3, F = 5·1·(2/3) / (4·1 + 2/3) = 10/14.
        // Order 2: hyp {ab}, ref {ab, bc}, 1 match: P = 1, R = 1/2, F = 5·(1/2) / (4 + 1/2) = 5/9.
        // Order 3: the hypothesis has no 3-grams, so it is not counted. chrF = 100 · (10/14 + 5/9) / 2.
        Assert.Equal(100 * (10.0 / 14 + 5.0 / 9) / 2, ChrF.Score("ab", "abc"), 9);
        Assert.Equal(63.492063492, ChrF.Score("ab", "abc"), 6);
    }

    [Fact]
    public void RepeatedCharactersAreClippedToTheReferenceCounts()
    {
        // "aaa" vs "aa". Order 1: 3 vs 2 a's, 2 matches: P = 2/3, R = 1, F = 5·(2/3) / (4·(2/3) + 1) = 10/11.
        // Order 2: {aa ×2} vs {aa ×1}, 1 match: P = 1/2, R = 1, F = 5·(1/2) / (4·(1/2) + 1) = 5/6. chrF = 100 · (10/11 + 5/6) / 2.
        Assert.Equal(100 * (10.0 / 11 + 5.0 / 6) / 2, ChrF.Score("aaa", "aa"), 9);
    }

    [Fact]
    public void RecallWeighsMoreThanPrecision()
    {
        // Swapping hypothesis and reference of the first case: order 1 P = 2/3, R = 1 → F = 5·(2/3) / (8/3 + 1) = 10/11;
        // order 2 P = 1/2, R = 1 → F = 2.5 / 3 = 5/6. A hypothesis that covers the reference scores higher than one that misses part of it.
        Assert.Equal(100 * (10.0 / 11 + 5.0 / 6) / 2, ChrF.Score("abc", "ab"), 9);
        Assert.True(ChrF.Score("abc", "ab") > ChrF.Score("ab", "abc"));
    }

    [Fact]
    public void WhitespaceIsIgnoredAndIdenticalTextScores100()
    {
        Assert.Equal(100, ChrF.Score("The capital is Paris.", "The capital is Paris."), 9);
        Assert.Equal(100, ChrF.Score("a b\tc", "abc"), 9);
    }

    [Fact]
    public void DisjointAndEmptyTexts()
    {
        Assert.Equal(0, ChrF.Score("abc", "xyz"), 9);
        Assert.Equal(0, ChrF.Score("", "xyz"), 9);
        Assert.Equal(0, ChrF.Score("abc", "  "), 9);
        Assert.Equal(100, ChrF.Score(" ", ""), 9);
    }
}
