using Aligner.Training.Data;
using Aligner.Training.WeakToStrong;

namespace Aligner.Training.Tests.WeakToStrong;

public sealed class CorrectionSynthesizerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>40 rows: every 4th rude, every 10th degenerate, the rest fine; plus one row repeated.</summary>
    private static List<SynthesisInput> Inputs()
    {
        var rows = Enumerable.Range(0, 40).Select(i => new SynthesisInput($"Question {i}?",
            i % 10 == 9 ? $"degenerate {i}" : i % 4 == 0 ? $"rude reply {i}" : $"A fine answer {i}.")).ToList();
        rows.Insert(7, rows[3]);
        return rows;
    }

    private static string[] ReadAll(string folder) =>
        [.. new[] { CorrectionSynthesizer.CorrectionsFileName, CorrectionSynthesizer.SftFileName, CorrectionSynthesizer.PreferencesFileName }
            .Select(f => File.ReadAllText(Path.Combine(folder, f)))];

    [Fact]
    public async Task WritesSftAndPreferenceRowsAndCountsUnchangedPairs()
    {
        var aligner = new RuleBasedAligner();
        var summary = await new CorrectionSynthesizer(aligner, new() { BatchSize = 8 }).RunAsync(Inputs(), _temp.Path);

        // 40 distinct rows: 10 rude (i % 4 == 0), 4 degenerate (i % 10 == 9), 26 fine.
        Assert.Equal(new SynthesisSummary(Recorded: 40, SftRows: 36, PreferenceRows: 10, UnchangedPairs: 26, Fallbacks: 4,
            SkippedAlreadyDone: 0, SkippedDuplicates: 1, SkippedInvalid: 0, Failed: 0), summary);
        Assert.Equal([8, 8, 8, 8, 8], aligner.BatchSizes);

        var preferences = WeakToStrongJsonl.ReadPreferences(_temp.File(CorrectionSynthesizer.PreferencesFileName));
        Assert.Equal(10, preferences.Count);
        Assert.All(preferences, p =>
        {
            Assert.Equal(RuleBasedAligner.Polite(p.Prompt), p.Chosen);
            Assert.StartsWith("rude reply", p.Rejected, StringComparison.Ordinal);
            Assert.Equal(SynthesisInput.DefaultKey(p.Prompt, p.Rejected), p.Key);
        });
        var sft = WeakToStrongJsonl.ReadSft(_temp.File(CorrectionSynthesizer.SftFileName));
        Assert.Equal(36, sft.Count);
        Assert.DoesNotContain(sft, s => s.Completion.Contains("degenerate", StringComparison.Ordinal));
        Assert.Contains(sft, s => s.Prompt == "Question 1?" && s.Completion == "A fine answer 1.\n");
        Assert.Equal(sft.Count, sft.Select(s => s.Key).Distinct().Count());

        // The corrections file doubles as a correction dataset (question / answer / correction).
        var recorded = CorrectionDatasetReader.ReadJsonl(_temp.File(CorrectionSynthesizer.CorrectionsFileName));
        Assert.Equal(40, recorded.Count);
        Assert.Equal(Inputs().Select(i => i.Question).Distinct(), recorded.Select(r => r.Question));
    }

    [Fact]
    public async Task ResumesAfterACrashWithoutLossOrDuplicates()
    {
        var reference = Path.Combine(_temp.Path, "reference");
        await new CorrectionSynthesizer(new RuleBasedAligner(), new() { BatchSize = 6 }).RunAsync(Inputs(), reference);

        var folder = Path.Combine(_temp.Path, "resumed");
        var crashing = new RuleBasedAligner { ThrowOnCall = 4 };
        await Assert.ThrowsAsync<IOException>(() => new CorrectionSynthesizer(crashing, new() { BatchSize = 6 }).RunAsync(Inputs(), folder));
        Assert.Equal(18, File.ReadLines(Path.Combine(folder, CorrectionSynthesizer.CorrectionsFileName)).Count());

        // A crash in the middle of writing the next batch leaves partial lines past the committed lengths.
        File.AppendAllText(Path.Combine(folder, CorrectionSynthesizer.CorrectionsFileName), "{\"key\":\"half-writ");
        File.AppendAllText(Path.Combine(folder, CorrectionSynthesizer.SftFileName), "{\"prompt\":\"Question 18?\",\"completion\":\"A fine answer 18.\\n\"}\n");

        var resumedAligner = new RuleBasedAligner();
        var summary = await new CorrectionSynthesizer(resumedAligner, new() { BatchSize = 6 }).RunAsync(Inputs(), folder);

        Assert.Equal(ReadAll(reference), ReadAll(folder));
        Assert.Equal(40, summary.Recorded);
        Assert.Equal(18 + 1, summary.SkippedAlreadyDone); // the repeated row's key was recorded too
        Assert.Equal(22, resumedAligner.BatchSizes.Sum());
    }

    [Fact]
    public async Task CancellingKeepsCommittedBatchesAndASecondRunFinishes()
    {
        var reference = Path.Combine(_temp.Path, "reference");
        await new CorrectionSynthesizer(new RuleBasedAligner(), new() { BatchSize = 5 }).RunAsync(Inputs(), reference);

        var folder = Path.Combine(_temp.Path, "cancelled");
        using var cts = new CancellationTokenSource();
        var reports = new List<SynthesisSummary>();
        var progress = new CallbackProgress(s => { reports.Add(s); if (s.Recorded >= 10) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new CorrectionSynthesizer(new RuleBasedAligner(), new() { BatchSize = 5 }).RunAsync(Inputs(), folder, progress, cts.Token));
        Assert.Equal([5, 10], reports.Select(r => r.Recorded));

        var again = await new CorrectionSynthesizer(new RuleBasedAligner(), new() { BatchSize = 5 }).RunAsync(Inputs(), folder);
        Assert.Equal(10 + 1, again.SkippedAlreadyDone); // the repeated row's key was recorded too
        Assert.Equal(ReadAll(reference), ReadAll(folder));

        var third = await new CorrectionSynthesizer(new RuleBasedAligner(), new() { BatchSize = 5 }).RunAsync(Inputs(), folder);
        Assert.Equal(40 + 1, third.SkippedAlreadyDone);
        Assert.Equal(0, third.SkippedDuplicates);
        Assert.Equal(ReadAll(reference), ReadAll(folder));
    }

    [Fact]
    public async Task BackendFailuresAreNotRecordedAndAreRetriedNextRun()
    {
        SynthesisInput[] inputs = [new("q1", "flaky answer"), new("q2", "rude answer"), new("q3", "fine")];
        var aligner = new RuleBasedAligner();
        var first = await new CorrectionSynthesizer(aligner).RunAsync(inputs, _temp.Path);
        Assert.Equal((2, 1), (first.Recorded, first.Failed));

        aligner.Healed = true;
        var second = await new CorrectionSynthesizer(aligner).RunAsync(inputs, _temp.Path);
        Assert.Equal((3, 0, 2), (second.Recorded, second.Failed, second.SkippedAlreadyDone));
        Assert.Equal(["q2", "q3", "q1"], WeakToStrongJsonl.ReadSft(_temp.File(CorrectionSynthesizer.SftFileName)).Select(s => s.Prompt));
    }

    [Fact]
    public async Task UpstreamChatClientAnswersQuestionOnlyRows()
    {
        var upstream = new EchoChatClient(q => q.Contains("manners", StringComparison.Ordinal) ? "rude: no." : "");
        var inputs = SynthesisInputs.FromQuestions(["Any manners tips?", "Unanswerable?", "Any manners tips?"]);
        var summary = await new CorrectionSynthesizer(new RuleBasedAligner(), new() { Upstream = upstream }).RunAsync(inputs, _temp.Path);

        Assert.Equal((1, 1, 1, 1), (summary.Recorded, summary.PreferenceRows, summary.SkippedDuplicates, summary.SkippedInvalid));
        var preference = Assert.Single(WeakToStrongJsonl.ReadPreferences(_temp.File(CorrectionSynthesizer.PreferencesFileName)));
        Assert.Equal(("rude: no.", RuleBasedAligner.Polite("Any manners tips?")), (preference.Rejected, preference.Chosen));
        Assert.Equal(2, upstream.Questions.Count);

        var noUpstream = new CorrectionSynthesizer(new RuleBasedAligner());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => noUpstream.RunAsync([new SynthesisInput("Why?")], Path.Combine(_temp.Path, "other")));
        Assert.Contains(nameof(CorrectionSynthesizerOptions.Upstream), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsQuestionAnswerDatasetsWithoutCorrections()
    {
        var path = _temp.File("upstream.jsonl");
        File.WriteAllLines(path, ["{\"prompt\":\"Hi?\",\"response\":\"rude\"}", "", "{\"prompt\":\"Sum?\",\"response\":\"4\"}"]);
        var inputs = SynthesisInputs.FromDataset(path, new CorrectionFieldMapping { Question = "prompt", Answer = "response" });
        Assert.Equal([new SynthesisInput("Hi?", "rude"), new SynthesisInput("Sum?", "4")], inputs);

        File.AppendAllLines(path, ["{\"prompt\":\"No answer\"}"]);
        var error = Assert.Throws<DatasetFormatException>(() => SynthesisInputs.FromDataset(path, new CorrectionFieldMapping { Question = "prompt", Answer = "response" }));
        Assert.Equal((4L, "response"), (error.Row, error.Field));
    }

    [Fact]
    public async Task RefusesFoldersItCannotResumeFrom()
    {
        var foreign = Path.Combine(_temp.Path, "foreign");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, CorrectionSynthesizer.SftFileName), "{\"prompt\":\"x\",\"completion\":\"y\"}\n");
        var e1 = await Assert.ThrowsAsync<SynthesisStateException>(() => new CorrectionSynthesizer(new RuleBasedAligner()).RunAsync(Inputs(), foreign));
        Assert.EndsWith(CorrectionSynthesizer.SftFileName, e1.FilePath, StringComparison.Ordinal);

        var edited = Path.Combine(_temp.Path, "edited");
        await new CorrectionSynthesizer(new RuleBasedAligner()).RunAsync(Inputs().Take(5), edited);
        var sftPath = Path.Combine(edited, CorrectionSynthesizer.SftFileName);
        File.WriteAllLines(sftPath, File.ReadLines(sftPath).Take(2));
        var e2 = await Assert.ThrowsAsync<SynthesisStateException>(() => new CorrectionSynthesizer(new RuleBasedAligner()).RunAsync(Inputs(), edited));
        Assert.Equal(sftPath, e2.FilePath);

        var statePath = Path.Combine(edited, CorrectionSynthesizer.StateFileName);
        File.WriteAllText(statePath, "{\"formatVersion\":1,\"correctionsBytes\":\"many\"}");
        var e3 = await Assert.ThrowsAsync<SynthesisStateException>(() => new CorrectionSynthesizer(new RuleBasedAligner()).RunAsync(Inputs(), edited));
        Assert.Contains("correctionsBytes", e3.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondConcurrentRunOnTheSameFolderIsRefused()
    {
        var gate = new TaskCompletionSource();
        var slowUpstream = new EchoChatClient(_ => { gate.Task.Wait(); return "fine"; });
        var first = Task.Run(() => new CorrectionSynthesizer(new RuleBasedAligner(), new() { Upstream = slowUpstream }).RunAsync([new SynthesisInput("q")], _temp.Path));
        while (!slowUpstream.Questions.Any()) await Task.Delay(10);

        var error = await Assert.ThrowsAsync<SynthesisStateException>(() => new CorrectionSynthesizer(new RuleBasedAligner()).RunAsync(Inputs(), _temp.Path));
        Assert.Contains("Another synthesis run", error.Message, StringComparison.Ordinal);
        gate.SetResult();
        Assert.Equal(1, (await first).Recorded);
    }

    private sealed class CallbackProgress(Action<SynthesisSummary> report) : IProgress<SynthesisSummary>
    {
        public void Report(SynthesisSummary value) => report(value);
    }
}
