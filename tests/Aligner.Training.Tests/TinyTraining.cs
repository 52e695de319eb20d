using Aligner.Checkpoints;
using Aligner.Samples.Demonstration;
using Aligner.Training.Data;

namespace Aligner.Training.Tests;

/// <summary>Tiny models and data for fast training tests.</summary>
internal static class TinyTraining
{
    public static DecoderConfig Config { get; } = DecoderConfig.Create("llama", hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2,
        numAttentionHeads: 2, numKeyValueHeads: 1, vocabSize: 50257) with { TieWordEmbeddings = true, MaxPositionEmbeddings = 160 };

    private static readonly Lazy<IReadOnlyList<CorrectionExample>> Train = new(() =>
        CorrectionDatasetReader.Read(Path.Combine(RepositoryPaths.DemoData, DemonstrationDataset.TrainFileName)));

    private static readonly Lazy<IReadOnlyList<CorrectionExample>> Validation = new(() =>
        CorrectionDatasetReader.Read(Path.Combine(RepositoryPaths.DemoData, DemonstrationDataset.ValidationFileName)));

    public static IReadOnlyList<CorrectionExample> TrainRows(int count) => [.. Train.Value.Take(count)];

    public static IReadOnlyList<CorrectionExample> ValidationRows(int count) => [.. Validation.Value.Take(count)];

    public static TrainingOptions Options(string output) => new()
    {
        OutputFolder = output,
        ScratchConfig = Config,
        MaxSequenceLength = 160,
        Epochs = 1,
        MicroBatchSize = 4,
        GradientAccumulationSteps = 2,
        LearningRate = 3e-3,
        WarmupRatio = 0.1,
        WeightDecay = 0.01,
        ValidationEverySteps = 0,
        Seed = 7,
        Threads = 1,
    };
}
