namespace Aligner.Training.WeakToStrong;

/// <summary>A supervised fine-tuning row for the strong model: a prompt and the completion to learn.</summary>
/// <param name="Prompt">The question.</param>
/// <param name="Completion">The target answer (the corrector's output).</param>
/// <param name="Key">The source row's key, or null.</param>
public sealed record SftExample(string Prompt, string Completion, string? Key = null);
