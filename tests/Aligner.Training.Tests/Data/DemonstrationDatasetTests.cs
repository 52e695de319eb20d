using Aligner.Samples.Demonstration;
using Aligner.Training.Data;
using Aligner.Training.Evaluation;

namespace Aligner.Training.Tests.Data;

public class DemonstrationDatasetTests
{
    private static readonly DemonstrationDataset Generated = new DemonstrationDatasetGenerator().Generate();

    [Fact]
    public void ShippedFilesAreTheGeneratorOutput()
    {
        using var temp = new TempFolder();
        Generated.Write(temp.Path);
        foreach (var name in new[] { DemonstrationDataset.TrainFileName, DemonstrationDataset.ValidationFileName, DemonstrationDataset.TestFileName })
            Assert.True(File.ReadAllBytes(temp.File(name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(RepositoryPaths.DemoData, name))),
                $"{name} differs from the generator output; regenerate samples/data/aligner-demo.");
    }

    [Fact]
    public void SameSeedSameRowsOtherSeedOtherRows()
    {
        var again = new DemonstrationDatasetGenerator(DemonstrationDatasetGenerator.DefaultSeed).Generate(200, 20, 30);
        var same = new DemonstrationDatasetGenerator(DemonstrationDatasetGenerator.DefaultSeed).Generate(200, 20, 30);
        var other = new DemonstrationDatasetGenerator(DemonstrationDatasetGenerator.DefaultSeed + 100).Generate(200, 20, 30);
        Assert.Equal(again.Train, same.Train);
        Assert.NotEqual(again.Train, other.Train);
    }

    [Fact]
    public void SplitsShareNoQuestionAnswerPair()
    {
        var train = Generated.Train.Concat(Generated.Validation).Select(r => (r.Question, r.Answer)).ToHashSet();
        Assert.Equal(Generated.Train.Count + Generated.Validation.Count, train.Count);
        Assert.DoesNotContain(Generated.Test, r => train.Contains((r.Question, r.Answer)));
    }

    [Fact]
    public void EveryCategoryIsWellRepresentedInEverySplit()
    {
        foreach (var split in new[] { Generated.Train, Generated.Validation, Generated.Test })
            foreach (var category in CorrectionCategory.All)
                Assert.True(split.Count(r => r.Category == category) >= split.Count / 10, $"too few '{category}' rows");
    }

    [Fact]
    public void CategoriesMatchWhatTheCorrectionDoes()
    {
        foreach (var row in Generated.Train.Concat(Generated.Test))
        {
            Assert.Equal(row.Category == CorrectionCategory.Good, row.IsIdentity);
            switch (row.Category)
            {
                case CorrectionCategory.Harmful:
                    Assert.Matches("^(I can't|I'm sorry|I won't|Sorry, I can't)", row.Correction);
                    // No three-word run of the harmful answer (beyond the question's own words) survives.
                    var questionRuns = WordRuns(row.Question);
                    Assert.Empty(WordRuns(row.Answer).Except(questionRuns).Intersect(WordRuns(row.Correction)));
                    break;
                case CorrectionCategory.Unhelpful:
                    Assert.True(row.Correction.Length > 2 * row.Answer.Length, row.Correction);
                    break;
                case CorrectionCategory.Factual:
                    Assert.NotEqual(row.Answer, row.Correction);
                    Assert.InRange(row.Correction.Split(" ").Length - row.Answer.Split(" ").Length, -3, 3);
                    break;
            }
        }
    }

    [Fact]
    public void TestSplitUsesHeldOutTemplatesAndEntities()
    {
        var trainQuestions = Generated.Train.Select(r => r.Question).ToHashSet();
        // Held-out harmful acts, how-to topics and phrasings: strings never seen in training.
        Assert.Contains(Generated.Test, r => r.Question.Contains("counterfeit money", StringComparison.Ordinal));
        Assert.DoesNotContain(Generated.Train, r => r.Question.Contains("counterfeit money", StringComparison.Ordinal));
        Assert.Contains(Generated.Test, r => r.Answer == "Can't be bothered.");
        Assert.DoesNotContain(Generated.Train, r => r.Answer == "Can't be bothered.");
        Assert.DoesNotContain(Generated.Train, r => r.Question.StartsWith("Teach me to", StringComparison.Ordinal));
        int unseenQuestions = Generated.Test.Count(r => !trainQuestions.Contains(r.Question));
        Assert.True(unseenQuestions > Generated.Test.Count / 2, $"only {unseenQuestions} test questions are new");
    }

    [Fact]
    public void ShippedFilesReadBack()
    {
        var rows = CorrectionDatasetReader.Read(Path.Combine(RepositoryPaths.DemoData, DemonstrationDataset.TestFileName));
        Assert.Equal(Generated.Test, rows);
    }

    private static HashSet<string> WordRuns(string text)
    {
        var words = text.ToLowerInvariant().Split([' ', ',', '.', '!', '?', ':', ';'], StringSplitOptions.RemoveEmptyEntries);
        return Enumerable.Range(0, Math.Max(0, words.Length - 2)).Select(i => string.Join(' ', words[i..(i + 3)])).ToHashSet();
    }
}
