using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Aligner.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Training.Tests.Training;

public class CorrectionLossTests
{
    public CorrectionLossTests() => TorchRuntime.EnsureInitialized();

    private static SequenceBatch Batch()
    {
        var encoder = new CorrectionSequenceEncoder(TokenizerLoader.CreateGpt2(), CorrectionPromptTemplate.V1, 160);
        var sequences = TinyTraining.TrainRows(3).Select(r => encoder.Encode(r, out _)!).ToList();
        return SequenceBatch.Collate(sequences, 50256);
    }

    [Fact]
    public void LossEqualsCrossEntropyOfTheModelsOwnLogitsOverCorrectionTokensOnly()
    {
        using var model = CausalLanguageModel.CreateRandom(TinyTraining.Config, seed: 1);
        var batch = Batch();
        using var ids = torch.tensor(batch.Tokens, [batch.BatchSize, batch.Length]);
        using var mask = torch.tensor(batch.AttentionMask, [batch.BatchSize, batch.Length]);
        using var logits = model.Forward(ids, mask);
        using var targets = torch.tensor(batch.Targets, [batch.BatchSize * batch.Length]);
        using var reference = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets, ignore_index: -100, reduction: nn.Reduction.Sum);
        using var ours = new CorrectionLoss(model).Sum(batch);
        Assert.Equal(reference.item<float>(), ours.item<float>(), 2);
        Assert.True(Math.Abs(reference.item<float>() - ours.item<float>()) < 1e-4 * reference.item<float>());
    }

    [Fact]
    public void PromptAndPaddingPositionsContributeNoGradient()
    {
        using var model = CausalLanguageModel.CreateRandom(TinyTraining.Config, seed: 2);
        var batch = Batch();
        using var ids = torch.tensor(batch.Tokens, [batch.BatchSize, batch.Length]);
        using var mask = torch.tensor(batch.AttentionMask, [batch.BatchSize, batch.Length]);
        using var logits = model.Forward(ids, mask).detach().requires_grad_(true);
        using var targets = torch.tensor(batch.Targets, [batch.BatchSize * batch.Length]);
        using var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets, ignore_index: -100, reduction: nn.Reduction.Sum);
        loss.backward();
        using var gradNorm = logits.grad!.abs().sum(2).reshape(-1);
        var perPosition = gradNorm.data<float>().ToArray();
        for (int i = 0; i < perPosition.Length; i++)
        {
            if (batch.Targets[i] == SequenceBatch.IgnoreIndex) Assert.Equal(0f, perPosition[i]);
            else Assert.True(perPosition[i] > 0, $"position {i} carries a label but no gradient");
        }
        // And the labelled positions are exactly the correction and EOS: prompt length - 1 positions before them carry none.
        Assert.Equal(batch.TargetCount, perPosition.Count(g => g > 0));
    }

    [Fact]
    public void ChangingThePromptTargetsChangesNothingChangingTheCorrectionDoes()
    {
        using var model = CausalLanguageModel.CreateRandom(TinyTraining.Config, seed: 3);
        var tokenizer = TokenizerLoader.CreateGpt2();
        var encoder = new CorrectionSequenceEncoder(tokenizer, CorrectionPromptTemplate.V1, 160);
        var row = TinyTraining.TrainRows(1)[0];
        var loss = new CorrectionLoss(model);
        float Loss(EncodedSequence s) { using var l = loss.Sum(SequenceBatch.Collate([s], 50256)); return l.item<float>(); }
        var original = encoder.Encode(row, out _)!;
        // Only the last prompt token feeds the first correction prediction; earlier prompt tokens are context only,
        // so the loss changes when context changes, but no prompt token is itself a target.
        var otherCorrection = encoder.Encode(row with { Correction = row.Correction + " Extra." }, out _)!;
        Assert.NotEqual(Loss(original), Loss(otherCorrection));
        Assert.Equal(original.Tokens.Length - original.PromptLength, SequenceBatch.Collate([original], 0).TargetCount);
    }
}
