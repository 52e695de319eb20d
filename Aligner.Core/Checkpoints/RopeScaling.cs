namespace Aligner.Checkpoints;

/// <summary>The kinds of <c>rope_scaling</c> Aligner implements.</summary>
public enum RopeScalingType
{
    /// <summary>Position interpolation: every frequency divided by <see cref="RopeScaling.Factor"/>.</summary>
    Linear,
    /// <summary>Llama 3.1's frequency-dependent scaling (low and high frequency factors).</summary>
    Llama3,
}

/// <summary>The <c>rope_scaling</c> object of a <c>config.json</c>.</summary>
/// <param name="Type">The scaling type (<c>rope_type</c> or <c>type</c>).</param>
/// <param name="Factor">The scaling factor (<c>factor</c>), greater than 0.</param>
/// <param name="LowFrequencyFactor">Llama 3: <c>low_freq_factor</c>.</param>
/// <param name="HighFrequencyFactor">Llama 3: <c>high_freq_factor</c>.</param>
/// <param name="OriginalMaxPositionEmbeddings">Llama 3: <c>original_max_position_embeddings</c>.</param>
public sealed record RopeScaling(
    RopeScalingType Type,
    double Factor,
    double LowFrequencyFactor = 1,
    double HighFrequencyFactor = 4,
    int OriginalMaxPositionEmbeddings = 8192);
