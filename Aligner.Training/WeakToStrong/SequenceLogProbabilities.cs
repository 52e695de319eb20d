using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Training.WeakToStrong;

/// <summary>log p(answer | prompt) of each row of a batch: the sum of the answer tokens' (and EOS's) log-probabilities.</summary>
internal static class SequenceLogProbabilities
{
    /// <summary>One value per row, <c>[B]</c>, carrying gradients when the model's parameters do.</summary>
    public static Tensor Sum(CausalLanguageModel model, SequenceBatch batch)
    {
        using var scope = NewDisposeScope();
        long b = batch.BatchSize, t = batch.Length;
        var ids = torch.tensor(batch.Tokens, [b, t], ScalarType.Int64, model.Device);
        var mask = torch.tensor(batch.AttentionMask, [b, t], ScalarType.Int64, model.Device);
        var targets = torch.tensor(batch.Targets, [b, t], ScalarType.Int64, model.Device);
        var logProbs = nn.functional.log_softmax(model.Forward(ids, mask).to(ScalarType.Float32), -1);
        var counted = targets.NotEqual(SequenceBatch.IgnoreIndex);
        var picked = logProbs.gather(2, targets.clamp_min(TorchScalars.Zero).unsqueeze(2)).squeeze(2);
        return picked.masked_fill(counted.logical_not(), TorchScalars.Zero).sum(1).MoveToOuterDisposeScope();
    }
}
