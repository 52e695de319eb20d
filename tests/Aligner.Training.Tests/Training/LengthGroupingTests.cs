namespace Aligner.Training.Tests.Training;

public sealed class LengthGroupingTests
{
    private static EncodedSequence Sequence(int length) => new([.. Enumerable.Range(1, length)], PromptLength: 1);

    [Fact]
    public void A_steps_rows_are_regrouped_longest_first_into_micro_batches_of_the_planned_size()
    {
        int[] lengths = [5, 90, 7, 60, 8, 100, 6, 55];
        var step = new TrainingPlan.Step(TrainingPhase.Correction,
            [.. Enumerable.Range(0, 4).Select(m => (IReadOnlyList<TrainingPlan.Item>)[new(2 * m, false), new(2 * m + 1, false)])]);
        EncodedSequence? Lookup(TrainingPlan.Item item) => Sequence(lengths[item.Row]);

        var planned = CorrectorTrainer.MicroBatches(step, Lookup, groupByLength: false);
        var grouped = CorrectorTrainer.MicroBatches(step, Lookup, groupByLength: true);

        Assert.Equal([[5, 90], [7, 60], [8, 100], [6, 55]], planned.Select(mb => mb.Select(s => s.Tokens.Length).ToArray()));
        Assert.Equal([[100, 90], [60, 55], [8, 7], [6, 5]], grouped.Select(mb => mb.Select(s => s.Tokens.Length).ToArray()));
        // Same rows, padded to far fewer positions: 2 × (100 + 60 + 8 + 6) = 348 against 2 × (90 + 60 + 100 + 55) = 610.
        static int Padded(List<List<EncodedSequence>> batches) => batches.Sum(mb => mb.Count * mb.Max(s => s.Tokens.Length));
        Assert.Equal(610, Padded(planned));
        Assert.Equal(348, Padded(grouped));
    }

    [Fact]
    public void Rows_dropped_from_the_plan_and_single_micro_batch_steps_keep_their_order()
    {
        var step = new TrainingPlan.Step(TrainingPhase.Correction, [[new(0, false), new(1, false), new(2, false)]]);
        var batches = CorrectorTrainer.MicroBatches(step, item => item.Row == 1 ? null : Sequence(3 + item.Row), groupByLength: true);
        Assert.Equal([[3, 5]], batches.Select(mb => mb.Select(s => s.Tokens.Length).ToArray()));
    }

    [Fact]
    public void Grouping_by_length_leaves_the_steps_loss_as_it_was()
    {
        using var temp = new TempFolder();
        // One optimizer step of 4 micro-batches of 2 over rows of different lengths: the same 8 rows either way.
        var options = TinyTraining.Options(temp.File("planned")) with { MicroBatchSize = 2, GradientAccumulationSteps = 4, IdentityWarmupShare = 0, GroupByLength = false };
        var rows = TinyTraining.TrainRows(8);
        var planned = new CorrectorTrainer(options).Train(rows, []);
        var grouped = new CorrectorTrainer(options with { OutputFolder = temp.File("grouped"), GroupByLength = true }).Train(rows, []);
        Assert.Equal(1, planned.TotalSteps);
        Assert.Equal(planned.FinalTrainLoss, grouped.FinalTrainLoss, 1e-4);
    }
}
