using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// One linear projection slot of a <see cref="DecoderLayer"/> (<c>q_proj</c> … <c>down_proj</c>), by its Hugging Face
/// name, with the module in it and a way to replace that module (to wrap it with an adapter, or to put the merged
/// projection back). Enumerate a layer's slots with <see cref="LayerProjections.Projections"/>.
/// </summary>
public sealed class LayerProjection
{
    private readonly Func<nn.Module<Tensor, Tensor>> _get;
    private readonly Action<nn.Module<Tensor, Tensor>> _set;

    internal LayerProjection(string name, string path, Func<nn.Module<Tensor, Tensor>> get, Action<nn.Module<Tensor, Tensor>> set)
    {
        (Name, Path, _get, _set) = (name, path, get, set);
    }

    /// <summary>The projection's name, as in Hugging Face checkpoints and PEFT's <c>target_modules</c>: <c>q_proj</c>, <c>gate_proj</c>, …</summary>
    public string Name { get; }

    /// <summary>The path below the layer: <c>self_attn.q_proj</c>, <c>mlp.gate_proj</c>, …</summary>
    public string Path { get; }

    /// <summary>The module in the slot: a <see cref="Projection"/> unless it was replaced.</summary>
    public nn.Module<Tensor, Tensor> Module => _get();

    /// <summary>Puts <paramref name="module"/> in the slot; it is registered under the same name, so parameter names keep the slot's path.</summary>
    /// <param name="module">The new module; it must map the same input width to the same output width.</param>
    public void Replace(nn.Module<Tensor, Tensor> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        _set(module);
    }
}

/// <summary>The projection slots of decoder layers.</summary>
public static class LayerProjections
{
    /// <summary>The names of every layer's projections, attention first: <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>o_proj</c>, <c>gate_proj</c>, <c>up_proj</c>, <c>down_proj</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>The projection slots of <paramref name="layer"/>, in the order of <see cref="Names"/>.</summary>
    /// <param name="layer">A decoder layer.</param>
    public static IReadOnlyList<LayerProjection> Projections(this DecoderLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var attention = layer.SelfAttention;
        var mlp = layer.Mlp;
        return
        [
            new("q_proj", "self_attn.q_proj", () => attention.QProj, m => attention.QProj = m),
            new("k_proj", "self_attn.k_proj", () => attention.KProj, m => attention.KProj = m),
            new("v_proj", "self_attn.v_proj", () => attention.VProj, m => attention.VProj = m),
            new("o_proj", "self_attn.o_proj", () => attention.OProj, m => attention.OProj = m),
            new("gate_proj", "mlp.gate_proj", () => mlp.GateProj, m => mlp.GateProj = m),
            new("up_proj", "mlp.up_proj", () => mlp.UpProj, m => mlp.UpProj = m),
            new("down_proj", "mlp.down_proj", () => mlp.DownProj, m => mlp.DownProj = m),
        ];
    }
}
