namespace Aligner;

/// <summary>
/// How a corrector generates text. The defaults are the paper's inference settings
/// (top-k 10, top-p 0.95, temperature 0.3, frequency penalty 1.2, 2048 new tokens).
/// A <see cref="Temperature"/> of 0 means greedy decoding (sampling options are then ignored).
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>The paper's settings.</summary>
    public static GenerationOptions Default { get; } = new();

    /// <summary>Greedy decoding with no penalties: deterministic, the right choice for tests and evaluation.</summary>
    public static GenerationOptions Greedy { get; } = new() { Temperature = 0, TopK = 0, TopP = 1, FrequencyPenalty = 0 };

    /// <summary>Most tokens to generate. Default 2048.</summary>
    public int MaxNewTokens { get; init; } = 2048;

    /// <summary>Softmax temperature; 0 selects greedy decoding. Default 0.3.</summary>
    public float Temperature { get; init; } = 0.3f;

    /// <summary>Keep only the k most likely tokens before sampling; 0 disables. Default 10.</summary>
    public int TopK { get; init; } = 10;

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches p; 1 disables. Default 0.95.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Hugging Face repetition penalty over prompt and generated tokens (1 disables). Default 1.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>OpenAI/vLLM frequency penalty: subtracts penalty × count for each generated occurrence of a token (0 disables). Default 1.2.</summary>
    public float FrequencyPenalty { get; init; } = 1.2f;

    /// <summary>Seed of the sampler; <see langword="null"/> draws a random one. With a seed, sampling is reproducible.</summary>
    public int? Seed { get; init; }

    /// <summary>Generation stops when the text ends with one of these; the stop sequence itself is not returned.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>
    /// For correctors with a keep marker (<see cref="Generation.KeepMarker"/>): keep the answer when the marker's
    /// first-step probability is at least this; <see langword="null"/> (default) keeps it when the marker is the
    /// token generated first (the argmax under greedy decoding). Ignored by correctors without a marker.
    /// </summary>
    public double? KeepThreshold { get; init; }

    /// <summary>
    /// Whether a corrector with a keep marker may keep the answer. <see langword="false"/> masks the marker out so the
    /// corrector writes a correction (its first-step keep probability is still reported). Default <see langword="true"/>.
    /// </summary>
    public bool AllowKeep { get; init; } = true;

    /// <summary>Whether decoding is greedy.</summary>
    public bool IsGreedy => Temperature <= 0f;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 1) throw new ArgumentException($"{nameof(MaxNewTokens)} must be at least 1 (was {MaxNewTokens}).", nameof(MaxNewTokens));
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentException($"{nameof(Temperature)} must be a finite number >= 0 (was {Temperature}).", nameof(Temperature));
        if (TopK < 0) throw new ArgumentException($"{nameof(TopK)} must be >= 0 (was {TopK}).", nameof(TopK));
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"{nameof(TopP)} must be in (0, 1] (was {TopP}).", nameof(TopP));
        if (!(RepetitionPenalty > 0) || float.IsInfinity(RepetitionPenalty)) throw new ArgumentException($"{nameof(RepetitionPenalty)} must be a finite number > 0 (was {RepetitionPenalty}).", nameof(RepetitionPenalty));
        if (!float.IsFinite(FrequencyPenalty)) throw new ArgumentException($"{nameof(FrequencyPenalty)} must be finite (was {FrequencyPenalty}).", nameof(FrequencyPenalty));
        if (KeepThreshold is { } k && !(k >= 0 && k <= 1)) throw new ArgumentException($"{nameof(KeepThreshold)} must be in [0, 1] (was {k}).", nameof(KeepThreshold));
        if (StopSequences is null) throw new ArgumentException($"{nameof(StopSequences)} must not be null.", nameof(StopSequences));
        foreach (var s in StopSequences)
            if (string.IsNullOrEmpty(s)) throw new ArgumentException($"{nameof(StopSequences)} must not contain null or empty strings.", nameof(StopSequences));
    }
}
