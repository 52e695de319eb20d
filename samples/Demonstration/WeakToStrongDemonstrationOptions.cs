using Aligner.Checkpoints;
using Aligner.Training;
using Aligner.Training.Data;
using Aligner.Training.Evaluation;
using Aligner.Training.WeakToStrong;

namespace Aligner.Samples.Demonstration;

/// <summary>
/// Options of <see cref="WeakToStrongDemonstration"/>. The defaults are sized to finish in about two minutes on two CPU
/// cores: a tiny strong model, short training, a few hundred rows.
/// </summary>
public sealed record WeakToStrongDemonstrationOptions
{
    /// <summary>Folder with the demonstration dataset's <c>train.jsonl</c>, <c>validation.jsonl</c> and <c>test.jsonl</c>.</summary>
    public required string DatasetFolder { get; init; }

    /// <summary>The (weak) corrector's checkpoint folder, e.g. the shipped <c>samples/models/aligner-demo</c>.</summary>
    public required string CorrectorFolder { get; init; }

    /// <summary>Folder for the models and data the run writes; replaced when it exists.</summary>
    public required string WorkFolder { get; init; }

    /// <summary>Training rows whose (question, answer) pairs train the strong model's before-state. Default 1200.</summary>
    public int UpstreamTrainingRows { get; init; } = 1200;

    /// <summary>Further training rows whose questions the strong model answers and the corrector corrects. Default 400.</summary>
    public int SynthesisRows { get; init; } = 400;

    /// <summary>Held-out test rows the strong model is scored on before and after. Default 200.</summary>
    public int EvaluationRows { get; init; } = 200;

    /// <summary>The strong model's architecture (trained from scratch with the GPT-2 tokenizer); a tiny Llama by default.</summary>
    public DecoderConfig StrongModelConfig { get; init; } = DecoderConfig.Create("llama", 64, 192, 2, 4, 2, 50257) with
    {
        MaxPositionEmbeddings = 256,
        TieWordEmbeddings = true,
    };

    /// <summary>Passes over the upstream rows when training the before-state. Default 3.</summary>
    public int UpstreamEpochs { get; init; } = 3;

    /// <summary>Learning rate of the before-state training. Default 1e-2.</summary>
    public double UpstreamLearningRate { get; init; } = 1e-2;

    /// <summary>Passes over the corrected answers in weak-to-strong SFT. Default 2.</summary>
    public int SftEpochs { get; init; } = 2;

    /// <summary>Learning rate of weak-to-strong SFT. Default 3e-3.</summary>
    public double SftLearningRate { get; init; } = 3e-3;

    /// <summary>Passes over the preference pairs in DPO. Default 1.</summary>
    public int DpoEpochs { get; init; } = 1;

    /// <summary>Learning rate of DPO (the paper's 1e-6 moves a tiny model too little in a short run). Default 1e-4.</summary>
    public double DpoLearningRate { get; init; } = 1e-4;

    /// <summary>DPO β. Default 0.1.</summary>
    public double DpoBeta { get; init; } = 0.1;

    /// <summary>Most new tokens per generated answer or correction. Default 64.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Seed of weight initialisation and data order. Default 42.</summary>
    public int Seed { get; init; } = 42;
}
