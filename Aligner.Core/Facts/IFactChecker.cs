namespace Aligner;

/// <summary>
/// Checks one kind of claim that can be verified without a model (arithmetic, unit conversions, capital cities, ...)
/// and, when the answer states it wrongly, fixes exactly the wrong part and copies everything else. A checker that
/// cannot tell (it does not understand the question, finds no claim, or finds more than one candidate) returns
/// <see langword="null"/>: a checker never guesses. Implementations are pure and thread-safe.
/// <see cref="Facts.FactCheckers.BuiltIn"/> lists the shipped ones; <see cref="AlignerOptions.FactCheckers"/> runs them
/// before the gate and the corrector.
/// </summary>
public interface IFactChecker
{
    /// <summary>Identifies the checker in results and telemetry (e.g. <c>arithmetic</c>).</summary>
    string Id { get; }

    /// <summary>Checks the answer to a question.</summary>
    /// <param name="question">The question.</param>
    /// <param name="answer">The answer as it stands.</param>
    /// <returns>The fix, when the answer states a checkable claim wrongly; otherwise <see langword="null"/>.</returns>
    FactCheck? Check(string question, string answer);
}

/// <summary>A wrong claim found by an <see cref="IFactChecker"/>, and the answer with it fixed.</summary>
public sealed record FactCheck
{
    /// <summary>The checker's <see cref="IFactChecker.Id"/>.</summary>
    public required string CheckerId { get; init; }

    /// <summary>The wrong text as it stood in the answer (e.g. <c>33</c>).</summary>
    public required string Claim { get; init; }

    /// <summary>The text that replaced it (e.g. <c>43</c>).</summary>
    public required string Expected { get; init; }

    /// <summary>What was checked, in words (e.g. <c>17 + 26 = 43</c>).</summary>
    public required string Reason { get; init; }

    /// <summary>The answer with the claim replaced; the rest is copied byte for byte.</summary>
    public required string CorrectedAnswer { get; init; }

    /// <summary>The fix that replaces <paramref name="answer"/>[<paramref name="start"/>, +<paramref name="length"/>) by <paramref name="expected"/>.</summary>
    internal static FactCheck Replacing(string checkerId, string answer, int start, int length, string expected, string reason) => new()
    {
        CheckerId = checkerId,
        Claim = answer.Substring(start, length),
        Expected = expected,
        Reason = reason,
        CorrectedAnswer = Facts.NumberText.Replace(answer, start, length, expected),
    };
}
