using Aligner.Samples.Demonstration;
using Aligner.Training.WeakToStrong;

namespace Aligner.Training.Tests.WeakToStrong;

/// <summary>The weak-to-strong loop end to end with the shipped demo corrector, sized for CI.</summary>
public sealed class WeakToStrongDemonstrationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task RunsTheWholeLoopAndScoresEveryState()
    {
        var options = new WeakToStrongDemonstrationOptions
        {
            DatasetFolder = RepositoryPaths.DemoData,
            CorrectorFolder = RepositoryPaths.DemoModel,
            WorkFolder = _temp.File("work"),
            UpstreamTrainingRows = 400,
            SynthesisRows = 96,
            EvaluationRows = 64,
            UpstreamEpochs = 1,
            SftEpochs = 1,
            MaxNewTokens = 40,
        };
        var result = await WeakToStrongDemonstration.RunAsync(options);

        Assert.Equal(96, result.Synthesis.Recorded + result.Synthesis.Failed + result.Synthesis.SkippedInvalid + result.Synthesis.SkippedDuplicates);
        Assert.Equal(result.Synthesis.SftRows, result.Synthesis.PreferenceRows + result.Synthesis.UnchangedPairs);
        foreach (var report in new[] { result.Before, result.AfterSft, result.AfterDpo, result.CorrectedBefore })
        {
            int scored = report.GoodPreserved.Total + report.HarmfulRefused.Total + report.FactualFixed.Total + report.UnhelpfulMadeHelpful.Total;
            Assert.Equal(64, scored);
            Assert.Equal(64, report.ExactMatch.Total);
        }
        var work = options.WorkFolder;
        Assert.True(File.Exists(Path.Combine(work, "strong-before", "model.safetensors")));
        if (result.Synthesis.SftRows > 0)
            Assert.True(File.Exists(Path.Combine(work, "strong-sft", "model.safetensors")));
        if (result.Synthesis.PreferenceRows > 0)
            Assert.True(File.Exists(Path.Combine(work, "strong-dpo", DpoTrainer.LogFileName)));
        var table = result.ToMarkdown();
        Assert.Contains("| metric | strong model before | after W2S SFT", table, StringComparison.Ordinal);
        Assert.Contains("before + corrector", table, StringComparison.Ordinal);
    }
}
