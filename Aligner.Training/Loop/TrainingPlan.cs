namespace Aligner.Training;

/// <summary>
/// The whole run's data order, fixed by the seed before training starts: first the identity warm-up phase
/// (a seeded share of the training rows with correction := answer, one pass), then the epochs over all rows, each
/// shuffled with its own seed. Because the order depends only on the seed and the sizes, a resumed run continues
/// with exactly the batches an uninterrupted run would have seen.
/// </summary>
internal sealed class TrainingPlan
{
    /// <summary>One row of the plan: an index into the training rows, and whether it is used as an identity (Q-A-A) row.</summary>
    public readonly record struct Item(int Row, bool Identity);

    /// <summary>One optimizer step: its phase and its micro-batches.</summary>
    public sealed record Step(TrainingPhase Phase, IReadOnlyList<IReadOnlyList<Item>> MicroBatches);

    public TrainingPlan(int rowCount, double warmupShare, int epochs, int microBatchSize, int accumulationSteps, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowCount);
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        var random = new Random(seed);
        var warmupRows = Enumerable.Range(0, rowCount).ToArray();
        random.Shuffle(warmupRows);
        int warmupCount = (int)Math.Round(rowCount * warmupShare);
        var steps = new List<Step>();
        AddPhase(steps, TrainingPhase.IdentityWarmup, warmupRows.Take(warmupCount).Select(r => new Item(r, true)).ToList(), microBatchSize, accumulationSteps);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var order = Enumerable.Range(0, rowCount).ToArray();
            new Random(unchecked(seed * 31 + epoch + 1)).Shuffle(order);
            AddPhase(steps, TrainingPhase.Correction, order.Select(r => new Item(r, false)).ToList(), microBatchSize, accumulationSteps);
        }
        Steps = steps;
        WarmupSteps = steps.Count(s => s.Phase == TrainingPhase.IdentityWarmup);
    }

    public IReadOnlyList<Step> Steps { get; }

    /// <summary>Optimizer steps of the identity warm-up phase (they come first).</summary>
    public int WarmupSteps { get; }

    private static void AddPhase(List<Step> steps, TrainingPhase phase, List<Item> items, int microBatchSize, int accumulationSteps)
    {
        foreach (var stepItems in items.Chunk(microBatchSize * accumulationSteps))
            steps.Add(new Step(phase, [.. stepItems.Chunk(microBatchSize).Select(c => (IReadOnlyList<Item>)c)]));
    }
}
