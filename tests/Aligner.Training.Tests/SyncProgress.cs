namespace Aligner.Training.Tests;

/// <summary>Calls back on the reporting thread (unlike <see cref="Progress{T}"/>), so tests can react to a step before the next one.</summary>
internal sealed class SyncProgress<T>(Action<T> onReport) : IProgress<T>
{
    public void Report(T value) => onReport(value);
}
