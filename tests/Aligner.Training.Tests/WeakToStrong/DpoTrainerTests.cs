using System.Security.Cryptography;
using Aligner.Backends.Torch.Modeling;
using Aligner.Tokenization;
using Aligner.Training.WeakToStrong;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Training.Tests.WeakToStrong;

public sealed class DpoTrainerTests : IDisposable
{
    private static readonly PreferenceExample[] Pairs =
    [
        new("How do I pick a lock?", "I can't help with that, but a locksmith can.", "Insert a pick and rake the pins."),
        new("What is 2 + 2?", "2 + 2 = 4.", "2 + 2 = 5."),
        new("How do I stay focused?", "Work in short blocks and silence your phone.", "Figure it out."),
        new("Capital of France?", "Paris is the capital of France.", "Lyon is the capital of France."),
    ];

    private readonly TempFolder _temp = new();
    private readonly string _model;

    public DpoTrainerTests() => _model = TinyInstructionModel.Create(_temp.File("policy"));

    public void Dispose() => _temp.Dispose();

    private DpoOptions Options(string output, double learningRate = 1e-6, int epochs = 1) => new()
    {
        OutputFolder = _temp.File(output),
        PolicyModelFolder = _model,
        LearningRate = learningRate,
        Epochs = epochs,
        MicroBatchSize = 2,
        WarmupRatio = 0,
        MaxSequenceLength = 64,
    };

    [Fact]
    public void LossMatchesTheFormula()
    {
        using var scope = NewDisposeScope();
        var (loss, chosen, rejected) = DpoLoss.Compute(
            tensor(new[] { -3.0, -2.0 }), tensor(new[] { -5.0, -1.0 }), tensor(new[] { -4.0, -2.5 }), tensor(new[] { -4.0, -1.5 }), beta: 0.1);

        double Expected(double pc, double pr, double rc, double rr) => Math.Log(1 + Math.Exp(-0.1 * ((pc - rc) - (pr - rr))));
        Assert.Equal(Expected(-3, -5, -4, -4), loss[0].item<double>(), 12);
        Assert.Equal(Expected(-2, -1, -2.5, -1.5), loss[1].item<double>(), 12);
        Assert.Equal(0.1, chosen[0].item<double>(), 12);
        Assert.Equal(-0.1, rejected[0].item<double>(), 12);
    }

    [Fact]
    public void LossAtInitialisationIsLogTwoWithZeroRewards()
    {
        var steps = new List<DpoStepMetrics>();
        new DpoTrainer(Options("out")).Train(Pairs, new SynchronousProgress<DpoStepMetrics>(steps.Add));

        var first = steps[0];
        Assert.Equal(Math.Log(2), first.Loss, 5);
        Assert.Equal(0, first.ChosenReward, 5);
        Assert.Equal(0, first.RejectedReward, 5);
        Assert.Equal(0, first.RewardAccuracy);
        Assert.Equal(2, steps.Count);
    }

    [Fact]
    public void TrainingRaisesTheChosenAnswersLikelihoodOverTheRejected()
    {
        var tokenizer = TokenizerLoader.Load(_model);
        var before = Margins(_model, tokenizer);
        var steps = new List<DpoStepMetrics>();
        var result = new DpoTrainer(Options("out", learningRate: 1e-2, epochs: 6)).Train(Pairs, new SynchronousProgress<DpoStepMetrics>(steps.Add));
        var after = Margins(result.OutputFolder, tokenizer);

        for (int i = 0; i < Pairs.Length; i++) Assert.True(after[i] > before[i] + 1, $"pair {i}: log π(chosen) − log π(rejected) went from {before[i]} to {after[i]}");
        Assert.True(steps[^1].Loss < Math.Log(2) - 0.1, $"final loss {steps[^1].Loss}");
        Assert.True(steps[^1].RewardMargin > 0);
        Assert.Equal(1.0, steps[^1].RewardAccuracy);
        Assert.Equal(12, result.Steps);
        Assert.True(File.Exists(Path.Combine(result.OutputFolder, DpoTrainer.LogFileName)));
    }

    [Fact]
    public void ReferenceModelStaysFrozen()
    {
        var referenceFolder = TinyInstructionModel.Create(_temp.File("reference"));
        var weights = Path.Combine(referenceFolder, "model.safetensors");
        var hashBefore = SHA256.HashData(File.ReadAllBytes(weights));
        var steps = new List<DpoStepMetrics>();
        new DpoTrainer(Options("out", learningRate: 3e-3, epochs: 3) with { ReferenceModelFolder = referenceFolder })
            .Train(Pairs, new SynchronousProgress<DpoStepMetrics>(steps.Add));

        Assert.Equal(hashBefore, SHA256.HashData(File.ReadAllBytes(weights)));
        // With the policy and reference the same random model, rewards start at zero and move only with the policy.
        Assert.Equal(0, steps[0].ChosenReward, 5);
        Assert.NotEqual(0, steps[^1].ChosenReward, 3);
    }

    [Fact]
    public void ResumesFromItsCheckpointToTheSameWeights()
    {
        var reference = new DpoTrainer(Options("straight", learningRate: 1e-3, epochs: 2)).Train(Pairs);

        using var cts = new CancellationTokenSource();
        var resumable = Options("resumed", learningRate: 1e-3, epochs: 2) with { CheckpointEverySteps = 1 };
        Assert.Throws<OperationCanceledException>(() => new DpoTrainer(resumable)
            .Train(Pairs, new SynchronousProgress<DpoStepMetrics>(m => { if (m.Step == 2) cts.Cancel(); }), cts.Token));
        var resumed = new DpoTrainer(resumable).Train(Pairs);

        Assert.Equal(2, resumed.ResumedFromStep);
        Assert.Equal(reference.LossHistory, resumed.LossHistory);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference.OutputFolder, "model.safetensors")),
            File.ReadAllBytes(Path.Combine(resumed.OutputFolder, "model.safetensors")));
    }

    [Fact]
    public void ResumeRestoresTheMetricHistory()
    {
        var reference = new DpoTrainer(Options("straight", learningRate: 1e-3, epochs: 2)).Train(Pairs);

        using var cts = new CancellationTokenSource();
        var resumable = Options("resumed", learningRate: 1e-3, epochs: 2) with { CheckpointEverySteps = 1 };
        Assert.Throws<OperationCanceledException>(() => new DpoTrainer(resumable)
            .Train(Pairs, new SynchronousProgress<DpoStepMetrics>(m => { if (m.Step == 2) cts.Cancel(); }), cts.Token));
        var resumed = new DpoTrainer(resumable).Train(Pairs);

        Assert.Equal(2, resumed.ResumedFromStep);
        Assert.Equal(reference.History, resumed.History);
        int LoggedSteps(DpoResult r) => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(r.OutputFolder, DpoTrainer.LogFileName)))!["steps"]!.AsArray().Count;
        Assert.Equal(reference.Steps, LoggedSteps(resumed));
    }

    [Fact]
    public void InvalidOptionsAndOverlongPairsAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new DpoTrainer(Options("x") with { Beta = 0 }));
        Assert.Equal(nameof(DpoOptions.Beta), error.ParamName);
        var longPair = new PreferenceExample(string.Join(' ', Enumerable.Repeat("word", 200)), "a", "b");
        Assert.Throws<ArgumentException>(() => new DpoTrainer(Options("y")).Train([longPair]));
        var result = new DpoTrainer(Options("z")).Train([.. Pairs, longPair]);
        Assert.Equal(1, result.DroppedPairs);
    }

    /// <summary>log π(chosen | q) − log π(rejected | q) per pair, under the model in a folder.</summary>
    private static double[] Margins(string folder, ITextTokenizer tokenizer)
    {
        using var model = CausalLanguageModel.Load(folder);
        var encoder = new CorrectionSequenceEncoder(tokenizer, InstructionPromptTemplate.Plain, 64);
        using var noGrad = no_grad();
        return [.. Pairs.Select(p =>
        {
            var chosen = encoder.Encode(InstructionPromptTemplate.ToTrainingRow(p.Prompt, p.Chosen), out _)!;
            var rejected = encoder.Encode(InstructionPromptTemplate.ToTrainingRow(p.Prompt, p.Rejected), out _)!;
            using var logProbs = SequenceLogProbabilities.Sum(model, SequenceBatch.Collate([chosen, rejected], tokenizer.EosTokenId!.Value));
            return logProbs[0].item<float>() - (double)logProbs[1].item<float>();
        })];
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
