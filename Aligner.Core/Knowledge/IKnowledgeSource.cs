namespace Aligner.Knowledge;

/// <summary>
/// Answers a kind of question from data rather than from the corrector's weights (e.g. a dictionary definition), for
/// answers the gate flags as unhelpful: a small corrector can make a dismissive answer polite, but it cannot know what the
/// question was about. See <see cref="AlignerOptions.KnowledgeSources"/>. Implementations must be thread-safe.
/// </summary>
public interface IKnowledgeSource
{
    /// <summary>Identifies the source in results and logs (e.g. <c>wordnet</c>).</summary>
    string Id { get; }

    /// <summary>An answer to <paramref name="question"/>, or <see langword="null"/> when the source has none.</summary>
    KnowledgeAnswer? Answer(string question);

    /// <summary>
    /// Whether <paramref name="answer"/> states anything at all about what <paramref name="question"/> asks (a city for a
    /// capital, a number for a conversion), when this source can tell; <see langword="null"/> when it cannot (the
    /// default). <see langword="false"/> lets the pipeline answer from this source even when the gate kept the answer:
    /// "How many cups are in a litre?" — "Do your own maths." states nothing, whatever its tone. Whether a stated value is
    /// right is the fact checkers' question, not this one.
    /// </summary>
    bool? StatesAnswer(string question, string answer) => null;
}

/// <summary>An answer from an <see cref="IKnowledgeSource"/>.</summary>
public sealed record KnowledgeAnswer
{
    /// <summary>The source's <see cref="IKnowledgeSource.Id"/>.</summary>
    public required string SourceId { get; init; }

    /// <summary>What was looked up, as it appears in the question (e.g. <c>inflation</c>).</summary>
    public required string Topic { get; init; }

    /// <summary>The answer text.</summary>
    public required string Text { get; init; }
}
