using Aligner.Checkpoints;
using Aligner.Training;
using Aligner.Training.Data;
using Aligner.Training.Evaluation;
using Aligner.Training.WeakToStrong;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Aligner.Samples.Demonstration;

/// <summary>
/// Exactly how the default model shipped in <c>samples/models/aligner-demo/</c> is trained: from scratch on the
/// demonstration dataset (<c>samples/data/aligner-demo/</c>), on CPU, with a fixed seed. The model card lists
/// the same values (the CLI's <c>train</c> command with them reproduces the shipped model), and a test checks the
/// shipped <c>config.json</c> against <see cref="Config"/>.
/// </summary>
public static class DefaultModelRecipe
{
    /// <summary>Dataset folder, relative to the repository root.</summary>
    public const string DatasetFolder = "samples/data/aligner-demo";

    /// <summary>Model folder, relative to the repository root.</summary>
    public const string ModelFolder = "samples/models/aligner-demo";

    /// <summary>
    /// The architecture: a Llama-family decoder with hidden size 192, 4 layers, 6 attention heads (head size 32),
    /// 2 key/value heads, FFN 768, the GPT-2 vocabulary (50257) with tied embeddings, 256 positions.
    /// </summary>
    public static DecoderConfig Config { get; } = DecoderConfig.Create("llama", hiddenSize: 192, intermediateSize: 768, numHiddenLayers: 4,
        numAttentionHeads: 6, numKeyValueHeads: 2, vocabSize: 50257) with
    {
        TieWordEmbeddings = true,
        MaxPositionEmbeddings = 256,
        RmsNormEps = 1e-5,
    };

    /// <summary>The training options, writing the model to <paramref name="outputFolder"/>.</summary>
    /// <param name="outputFolder">Where the checkpoint goes.</param>
    /// <param name="overwrite">Replace an existing folder.</param>
    public static TrainingOptions Options(string outputFolder, bool overwrite = false) => new()
    {
        OutputFolder = outputFolder,
        OverwriteOutput = overwrite,
        ScratchConfig = Config,
        Template = CorrectionPromptTemplate.V1,
        MaxSequenceLength = 160,
        IdentityWarmupShare = 0.2,
        Epochs = 5,
        MicroBatchSize = 16,
        GradientAccumulationSteps = 1,
        LearningRate = 3e-3,
        WarmupRatio = 0.03,
        WeightDecay = 0.01,
        Beta1 = 0.9,
        Beta2 = 0.95,
        MaxGradientNorm = 1.0,
        Seed = 42,
        ValidationEverySteps = 250,
        CheckpointEverySteps = 250,
        DeleteCheckpointsWhenDone = true,
        SaveDType = torch.ScalarType.BFloat16,
        MaxNewTokens = 256,
    };

    /// <summary>
    /// The identity-only baseline of the model card: the same architecture and settings, trained only on
    /// question-answer-answer rows (one pass over every training row with correction := answer, no correction phase).
    /// </summary>
    /// <param name="outputFolder">Where the checkpoint goes.</param>
    /// <param name="overwrite">Replace an existing folder.</param>
    public static TrainingOptions IdentityOnlyOptions(string outputFolder, bool overwrite = false) => Options(outputFolder, overwrite) with
    {
        IdentityWarmupShare = 1.0,
        Epochs = 0,
    };

    /// <summary>Trains the default model from the dataset under <paramref name="repositoryRoot"/> into <paramref name="outputFolder"/> (resuming an interrupted run).</summary>
    /// <param name="repositoryRoot">The repository root (holds <see cref="DatasetFolder"/>).</param>
    /// <param name="outputFolder">Where the checkpoint goes; <see cref="ModelFolder"/> under the root when null.</param>
    /// <param name="overwrite">Replace an existing folder.</param>
    /// <param name="progress">Receives step reports.</param>
    /// <param name="logger">Receives log lines.</param>
    /// <param name="cancellationToken">Stops after the current step (a checkpoint is written, so the run can resume).</param>
    public static TrainingResult Train(string repositoryRoot, string? outputFolder = null, bool overwrite = false,
        IProgress<TrainingProgress>? progress = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repositoryRoot);
        var data = Path.Combine(repositoryRoot, DatasetFolder);
        var train = CorrectionDatasetReader.Read(Path.Combine(data, DemonstrationDataset.TrainFileName));
        var validation = CorrectionDatasetReader.Read(Path.Combine(data, DemonstrationDataset.ValidationFileName));
        var options = Options(outputFolder ?? Path.Combine(repositoryRoot, ModelFolder), overwrite);
        return new CorrectorTrainer(options, logger).Train(train, validation, progress, cancellationToken);
    }
}
