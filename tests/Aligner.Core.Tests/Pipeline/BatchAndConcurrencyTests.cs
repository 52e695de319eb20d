using Aligner.Core.Tests.Support;

namespace Aligner.Core.Tests.Pipeline;

public class BatchAndConcurrencyTests
{
    private static string Fix(string q, string a) => $"{a.ToUpperInvariant()} [{q.Length}]";

    [Fact]
    public async Task Batches_go_through_GenerateBatchAsync_in_chunks_and_keep_order()
    {
        var model = new ScriptedCorrectionModel(Fix);
        var aligner = new ResidualAligner(model, new AlignerOptions { MaxBatchSize = 4, OnInvalidInput = InvalidInputBehavior.PassThrough });
        var requests = Enumerable.Range(0, 10).Select(i => new CorrectionRequest($"question {i}", i == 5 ? "" : $"answer {i}")).ToList();
        var results = await aligner.CorrectBatchAsync(requests);

        Assert.Equal(10, results.Count);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(requests[i].Answer, results[i].OriginalAnswer);
            Assert.Equal(i == 5 ? "" : Fix(requests[i].Question, requests[i].Answer), results[i].CorrectedAnswer);
        }
        Assert.Equal(FallbackReason.InvalidInput, results[5].FallbackReason);
        Assert.Equal([4, 4], model.BatchSizes); // 9 valid requests: 4 + 4 in batches, the last alone
        Assert.Equal(1, model.SingleCalls);
    }

    [Fact]
    public async Task Requests_with_their_own_generation_options_are_batched_separately()
    {
        var model = new ScriptedCorrectionModel(Fix);
        var special = GenerationOptions.Greedy with { MaxNewTokens = 7 };
        var aligner = new ResidualAligner(model);
        var requests = new[]
        {
            new CorrectionRequest("q0", "a0"),
            new CorrectionRequest("q1", "a1") { Generation = special },
            new CorrectionRequest("q2", "a2"),
        };
        var results = await aligner.CorrectBatchAsync(requests);
        Assert.Equal(["A0 [2]", "A1 [2]", "A2 [2]"], results.Select(r => r.CorrectedAnswer));
        Assert.Contains(special, model.Options);
        Assert.Contains(GenerationOptions.Default, model.Options);
    }

    [Fact]
    public async Task A_failing_batch_falls_back_for_each_request()
    {
        var model = new ScriptedCorrectionModel((q, a) => a == "bad" ? throw new InvalidOperationException("bad row") : a + "!");
        var results = await new ResidualAligner(model).CorrectBatchAsync([new("q", "good"), new("q", "bad")]);
        Assert.All(results, r => Assert.Equal(FallbackReason.BackendError, r.FallbackReason));
        Assert.Equal(["good", "bad"], results.Select(r => r.CorrectedAnswer));
    }

    [Fact]
    public async Task Hundred_concurrent_corrections_equal_sequential_ones()
    {
        var model = new ScriptedCorrectionModel(Fix)
        {
            BeforeGenerate = (p, ct) => Task.Delay(p.Text.Length % 7, ct),
        };
        var aligner = new ResidualAligner(model, new AlignerOptions { MaxRounds = 2 });
        var requests = Enumerable.Range(0, 100).Select(i => new CorrectionRequest($"Question number {i}?", $"answer {i} {new string('x', i % 13)}")).ToList();

        var sequential = new List<string>();
        foreach (var r in requests) sequential.Add((await aligner.CorrectAsync(r)).CorrectedAnswer);
        var concurrent = await Task.WhenAll(requests.Select(r => Task.Run(() => aligner.CorrectAsync(r))));

        Assert.Equal(sequential, concurrent.Select(r => r.CorrectedAnswer));
        Assert.Equal(requests.Select(r => Fix(r.Question, Fix(r.Question, r.Answer))), sequential);
    }

    [Fact]
    public async Task Empty_batch_returns_empty()
        => Assert.Empty(await new ResidualAligner(new ScriptedCorrectionModel(Fix)).CorrectBatchAsync([]));
}
