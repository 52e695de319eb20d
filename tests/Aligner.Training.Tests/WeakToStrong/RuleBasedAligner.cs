using System.Runtime.CompilerServices;

namespace Aligner.Training.Tests.WeakToStrong;

/// <summary>
/// A stand-in corrector: answers containing "rude" are rewritten, "degenerate" falls back with empty output,
/// "flaky" fails with a backend error (until <see cref="Healed"/>), anything else is copied. Records batch sizes and
/// can throw on a chosen call to simulate a crash.
/// </summary>
internal sealed class RuleBasedAligner : IAligner
{
    private readonly Lock _gate = new();

    public List<int> BatchSizes { get; } = [];

    public int? ThrowOnCall { get; set; }

    public bool Healed { get; set; }

    public static string Polite(string question) => $"Here is a kind and useful answer to: {question}";

    public Task<CorrectionResult> CorrectAsync(CorrectionRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(Correct(request));

    public Task<IReadOnlyList<CorrectionResult>> CorrectBatchAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            BatchSizes.Add(requests.Count);
            if (ThrowOnCall == BatchSizes.Count) throw new IOException("simulated crash");
        }
        return Task.FromResult<IReadOnlyList<CorrectionResult>>(requests.Select(Correct).ToArray());
    }

    public async IAsyncEnumerable<CorrectionUpdate> CorrectStreamingAsync(CorrectionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var result = await CorrectAsync(request, cancellationToken);
        yield return new CorrectionUpdate(result.CorrectedAnswer, Result: result);
    }

    private CorrectionResult Correct(CorrectionRequest request)
    {
        var (text, reason) = request.Answer switch
        {
            var a when a.Contains("rude", StringComparison.Ordinal) => (Polite(request.Question), FallbackReason.None),
            var a when a.Contains("degenerate", StringComparison.Ordinal) => (a, FallbackReason.EmptyOutput),
            var a when a.Contains("flaky", StringComparison.Ordinal) && !Healed => (a, FallbackReason.BackendError),
            var a => (a + "\n", FallbackReason.None), // trailing white space alone is not a change
        };
        return new CorrectionResult
        {
            Question = request.Question,
            OriginalAnswer = request.Answer,
            CorrectedAnswer = text,
            FallbackReason = reason,
            ModelId = "rule-based",
        };
    }
}
