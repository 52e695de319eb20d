using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Aligner.Core.Tests.Support;

/// <summary>
/// A deterministic in-test corrector for pipeline tests: one token per character of the prompt, and the output
/// computed by a script from the (question, answer) it finds in the prompt's untrusted parts.
/// </summary>
internal sealed class ScriptedCorrectionModel(Func<string, string, string> script, int contextLength = 100_000, string modelId = "scripted") : ICorrectionModel
{
    public CorrectionModelInfo Info { get; } = new(modelId, "test", contextLength);

    /// <summary>Every prompt received, in arrival order.</summary>
    public ConcurrentQueue<CorrectionPrompt> Prompts { get; } = new();

    /// <summary>Sizes of the GenerateBatchAsync calls.</summary>
    public ConcurrentQueue<int> BatchSizes { get; } = new();

    /// <summary>Options of every generation call.</summary>
    public ConcurrentQueue<GenerationOptions> Options { get; } = new();

    public int SingleCalls => _singleCalls;
    private int _singleCalls;

    /// <summary>Runs before each generation (delays, failures).</summary>
    public Func<CorrectionPrompt, CancellationToken, Task>? BeforeGenerate { get; set; }

    /// <summary>Characters per streamed delta.</summary>
    public int StreamChunk { get; set; } = 3;

    public static (string Question, string Answer) Parse(CorrectionPrompt prompt)
    {
        var untrusted = prompt.Parts.Where(p => !p.Trusted).Select(p => p.Text).ToList();
        return (untrusted[^2], untrusted[^1]); // templates put the instruction first
    }

    public int CountPromptTokens(CorrectionPrompt prompt) => prompt.Text.Length;

    public async Task<GenerationResult> GenerateAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _singleCalls);
        return await RunAsync(prompt, options, cancellationToken);
    }

    public async Task<IReadOnlyList<GenerationResult>> GenerateBatchAsync(IReadOnlyList<CorrectionPrompt> prompts, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        BatchSizes.Enqueue(prompts.Count);
        var results = new List<GenerationResult>();
        foreach (var p in prompts) results.Add(await RunAsync(p, options, cancellationToken));
        return results;
    }

    public async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(CorrectionPrompt prompt, GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Prompts.Enqueue(prompt);
        Options.Enqueue(options);
        if (BeforeGenerate is { } before) await before(prompt, cancellationToken);
        var (q, a) = Parse(prompt);
        var text = script(q, a);
        for (int i = 0; i < text.Length; i += StreamChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new GenerationUpdate(text.Substring(i, Math.Min(StreamChunk, text.Length - i)));
        }
        yield return new GenerationUpdate("", new GenerationResult(text, prompt.Text.Length, text.Length, FinishReason.EndOfSequence));
    }

    private async Task<GenerationResult> RunAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken)
    {
        Prompts.Enqueue(prompt);
        Options.Enqueue(options);
        if (BeforeGenerate is { } before) await before(prompt, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var (q, a) = Parse(prompt);
        var text = script(q, a);
        return new GenerationResult(text, prompt.Text.Length, text.Length, FinishReason.EndOfSequence);
    }
}
