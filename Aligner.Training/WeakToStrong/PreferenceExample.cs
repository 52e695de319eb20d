namespace Aligner.Training.WeakToStrong;

/// <summary>A preference row for DPO: the corrected answer is preferred over the original one.</summary>
/// <param name="Prompt">The question.</param>
/// <param name="Chosen">The preferred answer (the correction).</param>
/// <param name="Rejected">The dispreferred answer (the upstream original).</param>
/// <param name="Key">The source row's key, or null.</param>
public sealed record PreferenceExample(string Prompt, string Chosen, string Rejected, string? Key = null);
