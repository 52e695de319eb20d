namespace Aligner.Benchmarks.Harness;

/// <summary>Times the SFT trainer on the harness's checkpoint.</summary>
internal static class TrainingThroughput
{
    /// <summary>The measurement, or why there is none.</summary>
    public static (TrainingMeasurement? Measurement, string? Error) Measure(string checkpoint, HarnessOptions options, TextWriter log, CancellationToken cancellationToken) =>
        (null, "the SFT trainer (Aligner.Training) is not part of this build yet");
}
