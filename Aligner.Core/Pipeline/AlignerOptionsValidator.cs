using Microsoft.Extensions.Options;

namespace Aligner;

/// <summary>
/// Checks <see cref="AlignerOptions"/>; every message names the option (<c>AlignerOptions.MaxRounds</c>...).
/// Used by <see cref="ResidualAligner"/>'s constructor and, through dependency injection, at application start.
/// </summary>
public sealed class AlignerOptionsValidator : IValidateOptions<AlignerOptions>
{
    /// <summary>All problems of <paramref name="options"/>, one message each; empty when valid.</summary>
    public static IReadOnlyList<string> FindProblems(AlignerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string prefix = nameof(AlignerOptions) + ".";
        var problems = new List<string>();
        if (options.Template is null) problems.Add($"{prefix}{nameof(AlignerOptions.Template)} must not be null.");
        if (options.Generation is null) problems.Add($"{prefix}{nameof(AlignerOptions.Generation)} must not be null.");
        else
        {
            try { options.Generation.Validate(); }
            catch (ArgumentException e) { problems.Add($"{prefix}{nameof(AlignerOptions.Generation)}.{e.Message}"); }
        }
        if (options.Timeout is { } t && t <= TimeSpan.Zero && t != System.Threading.Timeout.InfiniteTimeSpan)
            problems.Add($"{prefix}{nameof(AlignerOptions.Timeout)} must be positive or null (was {t}).");
        if (options.Timeout is { } big && big.TotalMilliseconds > int.MaxValue - 1)
            problems.Add($"{prefix}{nameof(AlignerOptions.Timeout)} must be at most {TimeSpan.FromMilliseconds(int.MaxValue - 1)} (was {big}).");
        if (!Enum.IsDefined(options.OnFailure)) problems.Add($"{prefix}{nameof(AlignerOptions.OnFailure)} has an undefined value ({(int)options.OnFailure}).");
        if (!Enum.IsDefined(options.OnInvalidInput)) problems.Add($"{prefix}{nameof(AlignerOptions.OnInvalidInput)} has an undefined value ({(int)options.OnInvalidInput}).");
        if (!Enum.IsDefined(options.OnContextOverflow)) problems.Add($"{prefix}{nameof(AlignerOptions.OnContextOverflow)} has an undefined value ({(int)options.OnContextOverflow}).");
        if (options.MaxRounds < 1) problems.Add($"{prefix}{nameof(AlignerOptions.MaxRounds)} must be at least 1 (was {options.MaxRounds}).");
        if (options.MinGenerationTokens < 1) problems.Add($"{prefix}{nameof(AlignerOptions.MinGenerationTokens)} must be at least 1 (was {options.MinGenerationTokens}).");
        if (options.KeepThreshold is { } keep && !(keep >= 0 && keep <= 1)) problems.Add($"{prefix}{nameof(AlignerOptions.KeepThreshold)} must be in [0, 1] (was {keep}).");
        if (options.MaxBatchSize < 1) problems.Add($"{prefix}{nameof(AlignerOptions.MaxBatchSize)} must be at least 1 (was {options.MaxBatchSize}).");
        if (!(options.DegenerateRepetitionThreshold > 0 && options.DegenerateRepetitionThreshold <= 1))
            problems.Add($"{prefix}{nameof(AlignerOptions.DegenerateRepetitionThreshold)} must be in (0, 1] (was {options.DegenerateRepetitionThreshold}).");
        if (options.GateKeepVeto is { } veto && !(veto > 0 && veto <= 1)) problems.Add($"{prefix}{nameof(AlignerOptions.GateKeepVeto)} must be in (0, 1] (was {veto}).");
        if (options.KnowledgeSources is { } sources)
            for (int i = 0; i < sources.Count; i++)
                if (sources[i] is null) problems.Add($"{prefix}{nameof(AlignerOptions.KnowledgeSources)}[{i}] must not be null.");
        if (options.TopicCheck is { } topic)
        {
            if (!(topic.MinSimilarity >= -1 && topic.MinSimilarity <= 1)) problems.Add($"{prefix}{nameof(AlignerOptions.TopicCheck)}.{nameof(TopicCheck.MinSimilarity)} must be in [-1, 1] (was {topic.MinSimilarity}).");
            if (topic.Categories is null) problems.Add($"{prefix}{nameof(AlignerOptions.TopicCheck)}.{nameof(TopicCheck.Categories)} must not be null (use an empty list).");
        }
        if (options.KnowledgeCategories is null) problems.Add($"{prefix}{nameof(AlignerOptions.KnowledgeCategories)} must not be null (use an empty list).");
        if (options.FactCheckers is { } checkers)
            for (int i = 0; i < checkers.Count; i++)
                if (checkers[i] is null) problems.Add($"{prefix}{nameof(AlignerOptions.FactCheckers)}[{i}] must not be null.");
        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem of <paramref name="options"/>.</summary>
    public static void ThrowIfInvalid(AlignerOptions options)
    {
        var problems = FindProblems(options);
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems), nameof(options));
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AlignerOptions options)
    {
        var problems = FindProblems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
