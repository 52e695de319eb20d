using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>The token embedding table (<c>model.embed_tokens.weight</c>, <c>[vocab, hidden]</c>).</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the checkpoint's tensor names.
    private readonly Parameter weight;
#pragma warning restore IDE1006

    /// <summary>Creates an uninitialised table.</summary>
    public TokenEmbedding(long vocab, long hidden, ScalarType dtype, Device device) : base(nameof(TokenEmbedding))
    {
        weight = new Parameter(empty([vocab, hidden], dtype, device));
        RegisterComponents();
    }

    /// <summary>The table, <c>[vocab, hidden]</c>.</summary>
    public Parameter Weight => weight;

    /// <summary>Looks up <paramref name="ids"/> (any shape, int64) and returns <c>[..., hidden]</c>.</summary>
    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var shape = ids.shape.Append(weight.shape[1]).ToArray();
        return weight.index_select(0, ids.reshape(-1)).view(shape).MoveToOuterDisposeScope();
    }
}
