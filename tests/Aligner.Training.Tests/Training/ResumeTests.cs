using Aligner.Checkpoints;

namespace Aligner.Training.Tests.Training;

public class ResumeTests
{
    private static readonly IReadOnlyList<Aligner.Training.Data.CorrectionExample> Rows = TinyTraining.TrainRows(48);
    private static readonly IReadOnlyList<Aligner.Training.Data.CorrectionExample> Validation = TinyTraining.ValidationRows(8);

    private static TrainingOptions Options(string output) => TinyTraining.Options(output) with { IdentityWarmupShare = 0.25, Epochs = 1 };

    [Fact]
    public void KilledRunResumesToTheSameFinalLossAsAnUninterruptedRun()
    {
        using var temp = new TempFolder();
        var uninterrupted = new CorrectorTrainer(Options(temp.File("a"))).Train(Rows, Validation);
        Assert.Equal(8, uninterrupted.TotalSteps);

        var options = Options(temp.File("b")) with { CheckpointEverySteps = 2 };
        using var cancel = new CancellationTokenSource();
        var stopAfterFive = new SyncProgress<TrainingProgress>(p => { if (p.Step == 5) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new CorrectorTrainer(options).Train(Rows, Validation, stopAfterFive, cancel.Token));
        Assert.False(Directory.Exists(temp.File("b")), "a cancelled run must not write the final checkpoint");

        var resumed = new CorrectorTrainer(options).Train(Rows, Validation);
        Assert.Equal(5, resumed.ResumedFromStep);
        Assert.Equal(8, resumed.Steps);
        Assert.True(Math.Abs(uninterrupted.FinalTrainLoss - resumed.FinalTrainLoss) < 1e-4, $"{uninterrupted.FinalTrainLoss} vs {resumed.FinalTrainLoss}");
        Assert.True(Math.Abs(uninterrupted.FinalValidationLoss!.Value - resumed.FinalValidationLoss!.Value) < 1e-4);
        Assert.Equal(uninterrupted.History.TrainLoss.Count, resumed.History.TrainLoss.Count);
        for (int i = 0; i < uninterrupted.History.TrainLoss.Count; i++)
            Assert.True(Math.Abs(uninterrupted.History.TrainLoss[i] - resumed.History.TrainLoss[i]) < 1e-4, $"step {i + 1}");

        using var a = SafeTensorsFile.Open(Path.Combine(temp.File("a"), CheckpointWeights.SingleFileName));
        using var b = SafeTensorsFile.Open(Path.Combine(temp.File("b"), CheckpointWeights.SingleFileName));
        foreach (var name in a.Tensors.Keys)
        {
            var (x, y) = (a.ReadSingles(name), b.ReadSingles(name));
            Assert.True(x.Zip(y).All(p => Math.Abs(p.First - p.Second) <= 1e-5f), name);
        }
    }

    [Fact]
    public void InterruptedCheckpointWriteLeavesThePreviousCheckpointIntact()
    {
        using var temp = new TempFolder();
        var options = Options(temp.File("model")) with { CheckpointEverySteps = 2 };
        var checkpoints = options.EffectiveCheckpointFolder;
        TrainingCheckpoint.BeforeCommit = folder =>
        {
            if (folder.StartsWith(checkpoints, StringComparison.Ordinal) && folder.Contains("step-0000004", StringComparison.Ordinal))
                throw new IOException("simulated crash while writing the checkpoint");
        };
        try
        {
            Assert.Throws<IOException>(() => new CorrectorTrainer(options).Train(Rows, Validation));
        }
        finally { TrainingCheckpoint.BeforeCommit = null; }

        // A kill would also leave a half-written temporary folder behind.
        var leftover = Directory.CreateDirectory(Path.Combine(checkpoints, ".step-0000004.deadbeef.tmp"));
        File.WriteAllText(Path.Combine(leftover.FullName, TrainingCheckpoint.WeightsFileName), "partial");

        Assert.Equal(Path.Combine(checkpoints, "step-0000002"), TrainingCheckpoint.Latest(checkpoints));
        var state = TrainingCheckpoint.ReadState(Path.Combine(checkpoints, "step-0000002"));
        Assert.Equal(2, state.Step);
        Assert.Equal(2, state.TrainLoss.Count);

        var resumed = new CorrectorTrainer(options).Train(Rows, Validation);
        Assert.Equal(2, resumed.ResumedFromStep);
        Assert.Equal(8, resumed.Steps);
    }

    [Fact]
    public void CheckpointsOfAnotherRunAreNotResumed()
    {
        using var temp = new TempFolder();
        var options = Options(temp.File("model")) with { CheckpointEverySteps = 2 };
        using var cancel = new CancellationTokenSource();
        var stop = new SyncProgress<TrainingProgress>(p => { if (p.Step == 2) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new CorrectorTrainer(options).Train(Rows, Validation, stop, cancel.Token));
        var e = Assert.Throws<InvalidOperationException>(() => new CorrectorTrainer(options with { LearningRate = 1e-3 }).Train(Rows, Validation));
        Assert.Contains("different run", e.Message);
    }
}
