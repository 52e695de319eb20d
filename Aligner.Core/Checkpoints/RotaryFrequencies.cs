namespace Aligner.Checkpoints;

/// <summary>
/// The inverse frequencies of rotary position embeddings, <c>1 / theta^(2i/d)</c>, with <c>rope_scaling</c>
/// applied as Hugging Face does (linear: divided by the factor; llama3: by wavelength band). Computed in double.
/// </summary>
public static class RotaryFrequencies
{
    /// <summary>The <c>head_dim / 2</c> inverse frequencies of <paramref name="config"/>.</summary>
    public static double[] Compute(DecoderConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int dim = config.HeadDim;
        var inv = new double[dim / 2];
        for (int i = 0; i < inv.Length; i++) inv[i] = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / dim);
        if (config.RopeScaling is not { } scaling) return inv;
        if (scaling.Type == RopeScalingType.Linear)
        {
            for (int i = 0; i < inv.Length; i++) inv[i] /= scaling.Factor;
            return inv;
        }
        double oldContext = scaling.OriginalMaxPositionEmbeddings;
        double lowWavelength = oldContext / scaling.LowFrequencyFactor;
        double highWavelength = oldContext / scaling.HighFrequencyFactor;
        for (int i = 0; i < inv.Length; i++)
        {
            double wavelength = 2 * Math.PI / inv[i];
            if (wavelength > lowWavelength) inv[i] /= scaling.Factor;
            else if (wavelength >= highWavelength)
            {
                double smooth = (oldContext / wavelength - scaling.LowFrequencyFactor) / (scaling.HighFrequencyFactor - scaling.LowFrequencyFactor);
                inv[i] = (1 - smooth) * inv[i] / scaling.Factor + smooth * inv[i];
            }
        }
        return inv;
    }
}
