namespace Aligner.Training;

/// <summary>Linear warm-up from 0 to the peak rate, then cosine decay to <c>peak × minRatio</c> at the last step.</summary>
public sealed class LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="peak">The peak learning rate.</param>
    /// <param name="totalSteps">Optimizer steps in the whole run.</param>
    /// <param name="warmupSteps">Steps of linear warm-up.</param>
    /// <param name="minRatio">The final rate as a share of the peak.</param>
    public LearningRateSchedule(double peak, int totalSteps, int warmupSteps, double minRatio = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peak);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        if (minRatio is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(minRatio), minRatio, "Must be in [0, 1].");
        (Peak, TotalSteps, WarmupSteps, MinRatio) = (peak, totalSteps, Math.Min(warmupSteps, totalSteps), minRatio);
    }

    /// <summary>The peak learning rate.</summary>
    public double Peak { get; }

    /// <summary>Optimizer steps in the whole run.</summary>
    public int TotalSteps { get; }

    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; }

    /// <summary>The final rate as a share of the peak.</summary>
    public double MinRatio { get; }

    /// <summary>The rate for a 0-based optimizer step.</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps - 1);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return Peak * (MinRatio + (1 - MinRatio) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
