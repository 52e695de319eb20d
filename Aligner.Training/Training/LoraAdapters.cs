using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Training.Training;

/// <summary>Puts LoRA wrappers around a model's projections and merges them back into plain weights.</summary>
public static class LoraAdapters
{
    /// <summary>
    /// Freezes every parameter of <paramref name="model"/> and wraps the targeted projections of every layer with a
    /// trainable low-rank update (initialised from <paramref name="seed"/>). Returns the trainable parameters, named as in the model.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model already has adapters.</exception>
    public static IReadOnlyList<(string Name, Parameter Parameter)> Apply(CausalLanguageModel model, LoraOptions options, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (HasAdapters(model)) throw new InvalidOperationException("The model already has LoRA adapters.");
        foreach (var (_, p) in model.named_parameters()) p.requires_grad = false;
        using var generator = new Generator(unchecked((ulong)seed));
        foreach (var layer in model.Model.Layers)
        {
            var attention = layer.SelfAttention;
            var mlp = layer.Mlp;
            foreach (var target in options.TargetModules)
            {
                switch (target)
                {
                    case "q_proj": attention.QProj = Wrap(attention.QProj, options, generator); break;
                    case "k_proj": attention.KProj = Wrap(attention.KProj, options, generator); break;
                    case "v_proj": attention.VProj = Wrap(attention.VProj, options, generator); break;
                    case "o_proj": attention.OProj = Wrap(attention.OProj, options, generator); break;
                    case "gate_proj": mlp.GateProj = Wrap(mlp.GateProj, options, generator); break;
                    case "up_proj": mlp.UpProj = Wrap(mlp.UpProj, options, generator); break;
                    case "down_proj": mlp.DownProj = Wrap(mlp.DownProj, options, generator); break;
                }
            }
        }
        return [.. model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter))];
    }

    /// <summary>Whether any projection of the model is wrapped.</summary>
    public static bool HasAdapters(CausalLanguageModel model) =>
        model.Model.Layers.Any(l => Projections(l).Any(p => p is LoraProjection));

    /// <summary>Merges every adapter into its projection's weight and removes the wrappers; all parameters become trainable again.</summary>
    public static void Merge(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var layer in model.Model.Layers)
        {
            var attention = layer.SelfAttention;
            var mlp = layer.Mlp;
            if (attention.QProj is LoraProjection q) attention.QProj = q.Merge();
            if (attention.KProj is LoraProjection k) attention.KProj = k.Merge();
            if (attention.VProj is LoraProjection v) attention.VProj = v.Merge();
            if (attention.OProj is LoraProjection o) attention.OProj = o.Merge();
            if (mlp.GateProj is LoraProjection g) mlp.GateProj = g.Merge();
            if (mlp.UpProj is LoraProjection u) mlp.UpProj = u.Merge();
            if (mlp.DownProj is LoraProjection d) mlp.DownProj = d.Merge();
        }
        foreach (var (_, p) in model.named_parameters()) p.requires_grad = true;
    }

    private static IEnumerable<nn.Module<Tensor, Tensor>> Projections(DecoderLayer layer) =>
        [layer.SelfAttention.QProj, layer.SelfAttention.KProj, layer.SelfAttention.VProj, layer.SelfAttention.OProj,
         layer.Mlp.GateProj, layer.Mlp.UpProj, layer.Mlp.DownProj];

    private static nn.Module<Tensor, Tensor> Wrap(nn.Module<Tensor, Tensor> module, LoraOptions options, Generator generator) => module switch
    {
        Projection projection => new LoraProjection(projection, options.Rank, options.Alpha, generator),
        _ => throw new InvalidOperationException($"Cannot wrap a {module.GetType().Name} with LoRA; expected a plain projection."),
    };
}
