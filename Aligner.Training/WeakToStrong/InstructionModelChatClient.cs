using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Aligner.Training.WeakToStrong;

/// <summary>
/// An <see cref="IChatClient"/> over a local model trained on the plain instruction template, so a locally trained
/// strong model can be the upstream of a <see cref="CorrectionSynthesizer"/> (or be judged) like any remote model.
/// Only the last user message is sent (the template is single-turn). <see cref="ChatOptions"/> map to
/// <see cref="GenerationOptions"/>: temperature, top-p, top-k, frequency penalty, seed, stop sequences, max output tokens.
/// </summary>
public sealed class InstructionModelChatClient : IChatClient
{
    private readonly ICorrectionModel _model;
    private readonly GenerationOptions _defaults;

    /// <summary>Creates the client.</summary>
    /// <param name="model">The model.</param>
    /// <param name="defaults">Generation options where <see cref="ChatOptions"/> leave a value unset; greedy when null.</param>
    public InstructionModelChatClient(ICorrectionModel model, GenerationOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _defaults = defaults ?? GenerationOptions.Greedy;
        _defaults.Validate();
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = await _model.GenerateAsync(Prompt(messages), Generation(options), cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text.Trim()))
        {
            ModelId = _model.Info.ModelId,
            FinishReason = result.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = result.PromptTokens, OutputTokenCount = result.GeneratedTokens, TotalTokenCount = result.PromptTokens + result.GeneratedTokens },
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = Prompt(messages);
        bool started = false;
        await foreach (var update in _model.GenerateStreamingAsync(prompt, Generation(options), cancellationToken).ConfigureAwait(false))
        {
            var text = started ? update.TextDelta : update.TextDelta.TrimStart();
            started |= text.Length > 0;
            if (text.Length > 0) yield return new ChatResponseUpdate(ChatRole.Assistant, text) { ModelId = _model.Info.ModelId };
            if (update.Final is { } final)
                yield return new ChatResponseUpdate { Role = ChatRole.Assistant, ModelId = _model.Info.ModelId,
                    FinishReason = final.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop };
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return new ChatClientMetadata(_model.Info.Backend, null, _model.Info.ModelId);
        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(_model) ? _model : null;
    }

    /// <summary>Does nothing: the model belongs to the caller.</summary>
    public void Dispose() { }

    private static CorrectionPrompt Prompt(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var question = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text;
        if (string.IsNullOrWhiteSpace(question)) throw new ArgumentException("The messages contain no user message with text.", nameof(messages));
        return InstructionPromptTemplate.Render(question);
    }

    private GenerationOptions Generation(ChatOptions? options)
    {
        if (options is null) return _defaults;
        var generation = _defaults with
        {
            Temperature = options.Temperature ?? _defaults.Temperature,
            TopP = options.TopP ?? _defaults.TopP,
            TopK = options.TopK ?? _defaults.TopK,
            FrequencyPenalty = options.FrequencyPenalty ?? _defaults.FrequencyPenalty,
            Seed = options.Seed is { } seed ? unchecked((int)seed) : _defaults.Seed,
            MaxNewTokens = options.MaxOutputTokens ?? _defaults.MaxNewTokens,
            StopSequences = options.StopSequences is { Count: > 0 } stops ? [.. stops] : _defaults.StopSequences,
        };
        generation.Validate();
        return generation;
    }
}
