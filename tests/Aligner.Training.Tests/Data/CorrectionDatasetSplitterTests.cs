using Aligner.Training.Data;

namespace Aligner.Training.Tests.Data;

public class CorrectionDatasetSplitterTests
{
    [Fact]
    public void DuplicatesAreRemovedKeepingOrder()
    {
        CorrectionExample a = new("q1", "a", "c"), b = new("q2", "a", "c"), a2 = new("q1", "a", "c", "other category");
        var kept = CorrectionDatasetSplitter.RemoveDuplicates([a, b, a, a2, b], out int removed);
        Assert.Equal([a, b], kept);
        Assert.Equal(3, removed);
    }

    [Fact]
    public void SplitIsSeededAndKeepsPromptsTogether()
    {
        var rows = Enumerable.Range(0, 200).Select(i => new CorrectionExample($"q{i / 2}", "a", $"c{i}")).ToList();
        var (train, validation) = CorrectionDatasetSplitter.Split(rows, 0.1, seed: 7);
        var (train2, validation2) = CorrectionDatasetSplitter.Split(rows, 0.1, seed: 7);
        var (_, validation3) = CorrectionDatasetSplitter.Split(rows, 0.1, seed: 8);
        Assert.Equal(validation, validation2);
        Assert.Equal(train, train2);
        Assert.NotEqual(validation, validation3);
        Assert.Equal(20, validation.Count);
        Assert.Equal(200, train.Count + validation.Count);
        Assert.Empty(train.Select(r => r.Question).Intersect(validation.Select(r => r.Question)));
    }
}
