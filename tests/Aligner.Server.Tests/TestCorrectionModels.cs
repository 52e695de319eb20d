using System.Runtime.CompilerServices;

namespace Aligner.Server.Tests;

/// <summary>
/// A corrector that signals when a generation starts and then waits: for <see cref="Release"/> (it then answers
/// "Corrected: …"), or forever when never released (the pipeline's timeout ends it). Used only to hold requests
/// inside the proxy for the queue and timeout tests.
/// </summary>
internal sealed class GatedCorrectionModel : ICorrectionModel
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CorrectionModelInfo Info { get; } = new("gated-test-corrector", "test", 4096);

    /// <summary>Completes when the first generation has started.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _release.TrySetResult();

    public int CountPromptTokens(CorrectionPrompt prompt) => prompt.Text.Length / 4 + 1;

    public async Task<GenerationResult> GenerateAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        _entered.TrySetResult();
        await _release.Task.WaitAsync(cancellationToken);
        return new GenerationResult("Corrected: a careful, safe answer.", CountPromptTokens(prompt), 6, FinishReason.EndOfSequence);
    }

    public async Task<IReadOnlyList<GenerationResult>> GenerateBatchAsync(IReadOnlyList<CorrectionPrompt> prompts, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        var results = new List<GenerationResult>();
        foreach (var p in prompts) results.Add(await GenerateAsync(p, options, cancellationToken));
        return results;
    }

    public async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(CorrectionPrompt prompt, GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var result = await GenerateAsync(prompt, options, cancellationToken);
        yield return new GenerationUpdate(result.Text, result);
    }
}
