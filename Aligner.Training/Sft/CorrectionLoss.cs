using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Training;

/// <summary>
/// The supervised loss of a batch: cross-entropy of the next token at positions whose next token is part of a
/// correction (or its EOS), summed. The vocabulary projection runs only at those positions, which on a small model
/// with a 50k vocabulary is most of the compute saved; the result equals the full-sequence logits' loss.
/// </summary>
internal sealed class CorrectionLoss
{
    private readonly CausalLanguageModel _model;

    public CorrectionLoss(CausalLanguageModel model) => _model = model;

    /// <summary>The summed loss (a scalar that carries gradients), over <see cref="SequenceBatch.TargetCount"/> positions.</summary>
    public Tensor Sum(SequenceBatch batch)
    {
        using var scope = torch.NewDisposeScope();
        var device = _model.Device;
        long b = batch.BatchSize, t = batch.Length;
        var ids = torch.tensor(batch.Tokens, [b, t], ScalarType.Int64, device);
        var mask = torch.tensor(batch.AttentionMask, [b, t], ScalarType.Int64, device);
        var targets = torch.tensor(batch.Targets, [b * t], ScalarType.Int64, device);
        var hidden = _model.HiddenStates(ids, mask);
        var positions = targets.NotEqual(SequenceBatch.IgnoreIndex).nonzero().squeeze(1);
        var selected = hidden.reshape(b * t, hidden.shape[2]).index_select(0, positions);
        var logits = _model.Head(selected);
        var loss = nn.functional.cross_entropy(logits.to(ScalarType.Float32), targets.index_select(0, positions), reduction: nn.Reduction.Sum);
        return loss.MoveToOuterDisposeScope();
    }
}
