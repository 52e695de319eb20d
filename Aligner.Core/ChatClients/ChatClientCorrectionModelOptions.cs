using Microsoft.Extensions.AI;

namespace Aligner;

/// <summary>Settings of a <see cref="ChatClientCorrectionModel"/>.</summary>
public sealed class ChatClientCorrectionModelOptions
{
    /// <summary>
    /// The corrector's model id, sent as <see cref="ChatOptions.ModelId"/> and reported in results.
    /// <see langword="null"/> uses the client's default model (<see cref="ChatClientMetadata.DefaultModelId"/>).
    /// </summary>
    public string? ModelId { get; set; }

    /// <summary>The corrector's context length in tokens (the pipeline budgets against it). Default 4096 (Llama 2).</summary>
    public int ContextLength { get; set; } = 4096;

    /// <summary>
    /// Counts the tokens of a prompt's text, e.g. with the corrector's own tokenizer. <see langword="null"/> uses the
    /// estimate of <see cref="ChatClientCorrectionModel.EstimateTokens"/>.
    /// </summary>
    public Func<string, int>? TokenCounter { get; set; }

    /// <summary>Settings sent with every request (cloned each time, never modified); generation options override their sampling fields.</summary>
    public ChatOptions? ChatOptions { get; set; }

    /// <summary>Most requests of one batch in flight at once. Default 8.</summary>
    public int MaxParallelRequests { get; set; } = 8;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (ContextLength < 2) throw new ArgumentException($"{nameof(ChatClientCorrectionModelOptions)}.{nameof(ContextLength)} must be at least 2 (was {ContextLength}).", nameof(ContextLength));
        if (MaxParallelRequests < 1) throw new ArgumentException($"{nameof(ChatClientCorrectionModelOptions)}.{nameof(MaxParallelRequests)} must be at least 1 (was {MaxParallelRequests}).", nameof(MaxParallelRequests));
        if (ModelId is { } id && string.IsNullOrWhiteSpace(id)) throw new ArgumentException($"{nameof(ChatClientCorrectionModelOptions)}.{nameof(ModelId)} must not be empty or whitespace.", nameof(ModelId));
    }
}
