using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Training;

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
            var projections = layer.Projections();
            foreach (var target in options.TargetModules)
            {
                var slot = projections.First(p => p.Name == target);
                slot.Replace(Wrap(slot.Module, options, generator));
            }
        }
        return [.. model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter))];
    }

    /// <summary>Whether any projection of the model is wrapped.</summary>
    public static bool HasAdapters(CausalLanguageModel model) =>
        model.Model.Layers.Any(l => l.Projections().Any(p => p.Module is LoraProjection));

    /// <summary>Merges every adapter into its projection's weight and removes the wrappers; all parameters become trainable again.</summary>
    public static void Merge(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var slot in model.Model.Layers.SelectMany(l => l.Projections()))
            if (slot.Module is LoraProjection lora) slot.Replace(lora.Merge());
        foreach (var (_, p) in model.named_parameters()) p.requires_grad = true;
    }

    private static nn.Module<Tensor, Tensor> Wrap(nn.Module<Tensor, Tensor> module, LoraOptions options, Generator generator) => module switch
    {
        Projection projection => new LoraProjection(projection, options.Rank, options.Alpha, generator),
        _ => throw new InvalidOperationException($"Cannot wrap a {module.GetType().Name} with LoRA; expected a plain projection."),
    };
}
