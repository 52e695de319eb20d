using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Training.Training;

/// <summary>
/// The supervised loss of a batch: cross-entropy of the next token at positions whose next token is part of a
/// correction (or its EOS), summed. The vocabulary projection runs only at those positions, which on a small model
/// with a 50k vocabulary is most of the compute saved; the result equals the full-sequence logits' loss.
/// </summary>
internal sealed class CorrectionLoss
{
    private readonly CausalLanguageModel _model;
    private readonly RotaryEmbedding _rotary;

    public CorrectionLoss(CausalLanguageModel model)
    {
        _model = model;
        _rotary = new RotaryEmbedding(model.Config);
    }

    /// <summary>The summed loss (a scalar that carries gradients), over <see cref="SequenceBatch.TargetCount"/> positions.</summary>
    public Tensor Sum(SequenceBatch batch)
    {
        using var scope = torch.NewDisposeScope();
        var device = _model.Device;
        long b = batch.BatchSize, t = batch.Length;
        var ids = torch.tensor(batch.Tokens, [b, t], ScalarType.Int64, device);
        var keyValid = torch.tensor(batch.AttentionMask, [b, t], ScalarType.Int64, device).ne(TorchScalars.Zero);
        var targets = torch.tensor(batch.Targets, [b * t], ScalarType.Int64, device);
        var hidden = Hidden(ids, keyValid);
        var positions = targets.NotEqual(SequenceBatch.IgnoreIndex).nonzero().squeeze(1);
        var selected = hidden.reshape(b * t, hidden.shape[2]).index_select(0, positions);
        var logits = Logits(_model.Model.Norm.forward(selected));
        var loss = nn.functional.cross_entropy(logits.to(ScalarType.Float32), targets.index_select(0, positions), reduction: nn.Reduction.Sum);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Logits at every position, <c>[B, T, vocab]</c>, computed the way <see cref="Sum"/> computes them (for checks against the model's own forward).</summary>
    public Tensor FullLogits(Tensor ids, Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = Hidden(ids.to(ScalarType.Int64, _model.Device), attentionMask.to(_model.Device).ne(TorchScalars.Zero));
        return Logits(_model.Model.Norm.forward(hidden)).MoveToOuterDisposeScope();
    }

    /// <summary>The decoder stack's output before the final norm, <c>[B, T, hidden]</c>.</summary>
    private Tensor Hidden(Tensor ids, Tensor keyValid)
    {
        var positions = CausalLanguageModel.PositionIds(keyValid);
        using var masks = new AttentionMasks(keyValid, 0, ids.shape[1]);
        var hidden = _model.Model.EmbedTokens.forward(ids);
        if (_model.Config.ScalesEmbeddings)
        {
            using var scale = torch.tensor(Math.Sqrt(_model.Config.HiddenSize), ScalarType.Float64).to(_model.DType);
            hidden = hidden.Times(scale.to(ScalarType.Float64).item<double>());
        }
        var (cos, sin) = _rotary.Compute(positions, _model.DType);
        foreach (var layer in _model.Model.Layers)
            hidden = layer.Forward(hidden, cos, sin, masks, null, 0);
        return hidden;
    }

    private Tensor Logits(Tensor normalised) =>
        _model.LmHead is { } head ? head.forward(normalised) : nn.functional.linear(normalised, _model.Model.EmbedTokens.Weight);
}
