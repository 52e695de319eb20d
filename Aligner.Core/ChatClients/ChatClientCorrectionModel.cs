using System.Runtime.CompilerServices;
using System.Text;
using Aligner.Generation;
using Microsoft.Extensions.AI;

namespace Aligner;

/// <summary>
/// A corrector served elsewhere, reached through any <see cref="IChatClient"/>: a vLLM, Ollama or other
/// OpenAI-compatible server hosting an Aligner checkpoint. This is how correction scales past one machine.
/// </summary>
/// <remarks>
/// <para>
/// Each prompt is sent as the only message, a user message whose text is <see cref="CorrectionPrompt.Text"/>. The released
/// checkpoints were trained on the raw v1 text (<c>BEGINNING OF CONVERSATION: USER: ... ASSISTANT:</c>), not on a chat
/// template, so the server must pass that text through unchanged: with vLLM, serve the checkpoint with a pass-through chat
/// template such as <c>--chat-template "{{ messages[0]['content'] }}"</c>; with Ollama, a Modelfile with
/// <c>TEMPLATE {{ .Prompt }}</c>. For a corrector fine-tuned as a chat model and served with its own chat template, use
/// <see cref="CorrectionPromptTemplate.ChatInstruction"/> (the instruction only, no conversation wrapper).
/// Trusted/untrusted parts cannot be told apart over a text API; the pipeline's <see cref="TemplateMarkerGuard"/> breaks up
/// special-token look-alikes in untrusted text before it is sent.
/// </para>
/// <para>
/// Generation options map to <see cref="ChatOptions"/>: <see cref="GenerationOptions.MaxNewTokens"/> to
/// <see cref="ChatOptions.MaxOutputTokens"/>, temperature, top-k (when &gt; 0), top-p (when &lt; 1), frequency penalty,
/// seed and stop sequences to their namesakes; with temperature 0, top-k and top-p are left out (greedy).
/// A repetition penalty other than 1 goes into <see cref="ChatOptions.AdditionalProperties"/> as <c>repetition_penalty</c>
/// (vLLM's name), which only clients that forward additional properties send. Stop sequences are also enforced on the
/// returned text, for servers that ignore them.
/// </para>
/// <para>
/// Token counts come from the response's usage when the server reports it. <see cref="CountPromptTokens"/> cannot see the
/// server's tokenizer: it uses <see cref="ChatClientCorrectionModelOptions.TokenCounter"/> when set, else
/// <see cref="EstimateTokens"/>, a deliberately high estimate so the context budget errs on the safe side.
/// </para>
/// </remarks>
public sealed class ChatClientCorrectionModel : ICorrectionModel
{
    private readonly IChatClient _client;
    private readonly ChatClientCorrectionModelOptions _options;

    /// <summary>Creates the model over a chat client.</summary>
    /// <param name="client">The client of the server hosting the corrector.</param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    public ChatClientCorrectionModel(IChatClient client, ChatClientCorrectionModelOptions? options = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? new ChatClientCorrectionModelOptions();
        _options.Validate();
        var modelId = _options.ModelId ?? (client.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata)?.DefaultModelId ?? "chat-client";
        Info = new CorrectionModelInfo(modelId, "chat-client", _options.ContextLength);
    }

    /// <inheritdoc />
    public CorrectionModelInfo Info { get; }

    /// <summary>
    /// The fallback token estimate: one token per three UTF-8 bytes, rounded up, plus one for BOS. Llama and Gemma
    /// tokenizers average about four bytes per token on English text, so this overestimates on purpose.
    /// </summary>
    public static int EstimateTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return (Encoding.UTF8.GetByteCount(text) + 2) / 3 + 1;
    }

    /// <inheritdoc />
    public int CountPromptTokens(CorrectionPrompt prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return _options.TokenCounter is { } count ? count(prompt.Text) : EstimateTokens(prompt.Text);
    }

    /// <inheritdoc />
    public async Task<GenerationResult> GenerateAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var response = await _client.GetResponseAsync(Messages(prompt), ToChatOptions(options), cancellationToken).ConfigureAwait(false);
        var text = response.Text ?? "";
        var matcher = new StopSequenceMatcher(options.StopSequences);
        int stop = matcher.FindStop(text, 0);
        var reason = stop >= 0 ? FinishReason.StopSequence : MapFinishReason(response.FinishReason);
        if (stop >= 0) text = text[..stop];
        return new GenerationResult(text, PromptTokens(prompt, response.Usage), GeneratedTokens(text, response.Usage), reason);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<GenerationResult>> GenerateBatchAsync(IReadOnlyList<CorrectionPrompt> prompts, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var results = new GenerationResult[prompts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, prompts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelRequests, CancellationToken = cancellationToken },
            async (i, token) => results[i] = await GenerateAsync(prompts[i] ?? throw new ArgumentNullException($"{nameof(prompts)}[{i}]"), options, token).ConfigureAwait(false))
            .ConfigureAwait(false);
        return results;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(CorrectionPrompt prompt, GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var matcher = new StopSequenceMatcher(options.StopSequences);
        var text = new StringBuilder();
        int emitted = 0;
        UsageDetails? usage = null;
        ChatFinishReason? finish = null;
        bool stopped = false;
        await foreach (var update in _client.GetStreamingResponseAsync(Messages(prompt), ToChatOptions(options), cancellationToken).ConfigureAwait(false))
        {
            foreach (var content in update.Contents)
                if (content is UsageContent u) usage = u.Details;
            finish = update.FinishReason ?? finish;
            if (stopped) continue;
            var delta = update.Text;
            if (string.IsNullOrEmpty(delta)) continue;
            int searchFrom = text.Length;
            text.Append(delta);
            var all = text.ToString();
            int stop = matcher.FindStop(all, searchFrom);
            if (stop >= 0) { text.Length = stop; stopped = true; }
            int safe = stopped ? text.Length : matcher.SafeLength(all);
            if (safe > emitted)
            {
                yield return new GenerationUpdate(text.ToString(emitted, safe - emitted));
                emitted = safe;
            }
        }
        if (text.Length > emitted) yield return new GenerationUpdate(text.ToString(emitted, text.Length - emitted));
        var final = text.ToString();
        yield return new GenerationUpdate("", new GenerationResult(final, PromptTokens(prompt, usage), GeneratedTokens(final, usage),
            stopped ? FinishReason.StopSequence : MapFinishReason(finish)));
    }

    private static List<ChatMessage> Messages(CorrectionPrompt prompt) => [new ChatMessage(ChatRole.User, prompt.Text)];

    /// <summary>The chat options of one request: a clone of the configured ones with the generation settings applied.</summary>
    internal ChatOptions ToChatOptions(GenerationOptions options)
    {
        var chat = _options.ChatOptions?.Clone() ?? new ChatOptions();
        chat.ModelId = _options.ModelId ?? chat.ModelId;
        chat.MaxOutputTokens = options.MaxNewTokens;
        chat.Temperature = options.Temperature;
        chat.TopK = options.IsGreedy || options.TopK <= 0 ? null : options.TopK;
        chat.TopP = options.IsGreedy || options.TopP >= 1 ? null : options.TopP;
        chat.FrequencyPenalty = options.FrequencyPenalty == 0 ? null : options.FrequencyPenalty;
        chat.Seed = options.Seed;
        chat.StopSequences = options.StopSequences.Count == 0 ? null : [.. options.StopSequences];
        if (options.RepetitionPenalty != 1f)
        {
            chat.AdditionalProperties ??= [];
            chat.AdditionalProperties["repetition_penalty"] = options.RepetitionPenalty;
        }
        return chat;
    }

    private int PromptTokens(CorrectionPrompt prompt, UsageDetails? usage) =>
        usage?.InputTokenCount is { } n ? (int)Math.Min(n, int.MaxValue) : CountPromptTokens(prompt);

    private static int GeneratedTokens(string text, UsageDetails? usage) =>
        usage?.OutputTokenCount is { } n ? (int)Math.Min(n, int.MaxValue) : text.Length == 0 ? 0 : EstimateTokens(text) - 1;

    private static FinishReason MapFinishReason(ChatFinishReason? reason) =>
        reason == ChatFinishReason.Length ? FinishReason.Length : FinishReason.EndOfSequence;
}
