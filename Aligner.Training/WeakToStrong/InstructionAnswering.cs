namespace Aligner.Training.WeakToStrong;

/// <summary>Runs a model trained on the plain instruction template (<see cref="InstructionPromptTemplate"/>) over questions.</summary>
public static class InstructionAnswering
{
    /// <summary>The model's answers to the questions, in order, with surrounding white space removed.</summary>
    /// <param name="model">The model (any backend).</param>
    /// <param name="questions">The questions.</param>
    /// <param name="options">Generation options, e.g. <see cref="GenerationOptions.Greedy"/> with a token limit.</param>
    /// <param name="batchSize">Questions per <see cref="ICorrectionModel.GenerateBatchAsync"/> call.</param>
    /// <param name="cancellationToken">Cancels generation.</param>
    public static async Task<IReadOnlyList<string>> AnswerAsync(ICorrectionModel model, IReadOnlyList<string> questions,
        GenerationOptions options, int batchSize = 16, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var answers = new List<string>(questions.Count);
        foreach (var chunk in questions.Chunk(batchSize))
        {
            var results = await model.GenerateBatchAsync([.. chunk.Select(InstructionPromptTemplate.Render)], options, cancellationToken).ConfigureAwait(false);
            answers.AddRange(results.Select(r => r.Text.Trim()));
        }
        return answers;
    }
}
