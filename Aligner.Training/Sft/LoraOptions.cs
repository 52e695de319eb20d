using Aligner.Backends.Torch.Modeling;

namespace Aligner.Training;

/// <summary>
/// Low-rank adaptation: each targeted projection <c>W</c> gets a trainable update <c>(alpha / rank) · B·A</c>
/// (<c>A</c> random, <c>B</c> zero at the start, so training begins from the unchanged model); everything else is frozen.
/// The update is merged into <c>W</c> when the checkpoint is saved, so the result is an ordinary checkpoint.
/// </summary>
public sealed record LoraOptions
{
    /// <summary>The rank of the update.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>The scale numerator: the update is multiplied by <c>Alpha / Rank</c>.</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Projection names to adapt: any of <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>o_proj</c>, <c>gate_proj</c>, <c>up_proj</c>, <c>down_proj</c>.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>The projection names LoRA can adapt.</summary>
    public static IReadOnlyList<string> SupportedModules => LayerProjections.Names;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range or a module name is unknown.</exception>
    public void Validate()
    {
        if (Rank < 1) throw new ArgumentException($"LoRA rank must be at least 1 (got {Rank}).", nameof(Rank));
        if (!(Alpha > 0)) throw new ArgumentException($"LoRA alpha must be positive (got {Alpha}).", nameof(Alpha));
        if (TargetModules is null || TargetModules.Count == 0) throw new ArgumentException("LoRA needs at least one target module.", nameof(TargetModules));
        foreach (var m in TargetModules)
            if (!SupportedModules.Contains(m))
                throw new ArgumentException($"Unknown LoRA target module '{m}'; supported: {string.Join(", ", SupportedModules)}.", nameof(TargetModules));
    }
}
