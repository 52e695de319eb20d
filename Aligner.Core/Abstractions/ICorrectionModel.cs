namespace Aligner;

/// <summary>
/// The backend seam: a model that continues a prompt. Implemented by the TorchSharp and ONNX Runtime backends
/// (through <see cref="Generation.DecoderCorrectionModel"/>) and by <c>ChatClientCorrectionModel</c>
/// for correctors served elsewhere. Implementations are safe to call concurrently.
/// </summary>
public interface ICorrectionModel
{
    /// <summary>Identity and limits of the model.</summary>
    CorrectionModelInfo Info { get; }

    /// <summary>Counts the tokens <paramref name="prompt"/> takes in the model's context, including any BOS token.</summary>
    int CountPromptTokens(CorrectionPrompt prompt);

    /// <summary>Generates a continuation of one prompt.</summary>
    Task<GenerationResult> GenerateAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken = default);

    /// <summary>Generates continuations of several prompts, in order. Backends may run them as one batch.</summary>
    Task<IReadOnlyList<GenerationResult>> GenerateBatchAsync(IReadOnlyList<CorrectionPrompt> prompts, GenerationOptions options, CancellationToken cancellationToken = default);

    /// <summary>Streams a continuation as text deltas; the last update carries the finish reason and token counts.</summary>
    IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken = default);
}

/// <summary>Identity and limits of a correction model.</summary>
/// <param name="ModelId">A name for the model (checkpoint folder name, remote model id...).</param>
/// <param name="Backend">The backend that runs it, e.g. <c>torch</c>, <c>onnx</c>, <c>chat-client</c>.</param>
/// <param name="ContextLength">Most tokens (prompt + generated) the model can attend to.</param>
public sealed record CorrectionModelInfo(string ModelId, string Backend, int ContextLength);

/// <summary>Why generation stopped.</summary>
public enum FinishReason
{
    /// <summary>The model produced an end-of-sequence token.</summary>
    EndOfSequence,
    /// <summary>A stop sequence was produced.</summary>
    StopSequence,
    /// <summary><see cref="GenerationOptions.MaxNewTokens"/> or the context length was reached.</summary>
    Length,
}

/// <summary>The outcome of one generation.</summary>
/// <param name="Text">The generated text (without stop sequence or EOS).</param>
/// <param name="PromptTokens">Tokens in the prompt.</param>
/// <param name="GeneratedTokens">Tokens generated.</param>
/// <param name="FinishReason">Why generation stopped.</param>
public sealed record GenerationResult(string Text, int PromptTokens, int GeneratedTokens, FinishReason FinishReason)
{
    /// <summary>The corrector chose to keep the answer unchanged (its first token was the keep marker); <see cref="Text"/> is empty.</summary>
    public bool Kept { get; init; }

    /// <summary>The keep marker's first-step probability, for correctors that declare one; otherwise <see langword="null"/>.</summary>
    public double? KeepProbability { get; init; }
}

/// <summary>One step of a streamed generation.</summary>
/// <param name="TextDelta">New text since the previous update (possibly empty; never splits a character).</param>
/// <param name="Final">Set on the last update only.</param>
public sealed record GenerationUpdate(string TextDelta, GenerationResult? Final = null);
