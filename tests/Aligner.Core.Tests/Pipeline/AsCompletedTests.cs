using Aligner.Core.Tests.Support;
using Aligner.Facts;

namespace Aligner.Core.Tests.Pipeline;

public class AsCompletedTests
{
    [Fact]
    public async Task Results_come_as_ready_kept_and_fact_checked_first_then_full_corrector_chunks()
    {
        var model = new ScriptedCorrectionModel((q, a) => "fixed " + a);
        var gate = CorrectionGate.FromPredicate((r, _) => ValueTask.FromResult(r.Answer.StartsWith("bad", StringComparison.Ordinal)));
        var aligner = new ResidualAligner(model, new AlignerOptions { Gate = gate, MaxBatchSize = 2, FactCheckers = FactCheckers.BuiltIn });
        var requests = new List<CorrectionRequest>();
        for (int i = 0; i < 9; i++) requests.Add(new CorrectionRequest($"q{i}", i % 3 == 0 ? $"good {i}" : $"bad {i}"));
        requests.Add(new CorrectionRequest("What is 2 + 2?", "2 + 2 = 5"));

        var order = new List<int>();
        var results = new CorrectionResult[requests.Count];
        await foreach (var (index, result) in aligner.CorrectBatchAsCompletedAsync(requests))
        {
            order.Add(index);
            results[index] = result;
        }

        Assert.Equal(Enumerable.Range(0, requests.Count), order.Order());
        Assert.Equal(9, order[0]);                                     // fact-checked: no gate, no generation
        Assert.Equal([0, 3, 6], order.Skip(1).Take(3));                // kept by the one gate call
        Assert.Equal([1, 2, 4, 5, 7, 8], order.Skip(4));               // the corrector's chunks, in order
        Assert.Equal([2, 2, 2], model.BatchSizes);                     // six flagged rows in full chunks of MaxBatchSize
        Assert.Equal("2 + 2 = 4", results[9].CorrectedAnswer);
        Assert.True(results[3].Kept);
        Assert.Equal("fixed bad 4", results[4].CorrectedAnswer);

        var batch = await new ResidualAligner(new ScriptedCorrectionModel((q, a) => "fixed " + a), new AlignerOptions { Gate = gate, MaxBatchSize = 2, FactCheckers = FactCheckers.BuiltIn }).CorrectBatchAsync(requests);
        Assert.Equal(batch.Select(r => r.CorrectedAnswer), results.Select(r => r.CorrectedAnswer));
    }

    [Fact]
    public async Task A_null_request_is_named_and_cancellation_stops_between_chunks()
    {
        var aligner = new ResidualAligner(new ScriptedCorrectionModel((q, a) => "x"), new AlignerOptions { MaxBatchSize = 1 });
        await Assert.ThrowsAsync<ArgumentNullException>(async () => { await foreach (var _ in aligner.CorrectBatchAsCompletedAsync([new("q", "a"), null!])) { } });

        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in aligner.CorrectBatchAsCompletedAsync([new("q1", "a"), new("q2", "a"), new("q3", "a")], cts.Token))
            {
                seen++;
                cts.Cancel();
            }
        });
        Assert.Equal(1, seen);
    }
}
