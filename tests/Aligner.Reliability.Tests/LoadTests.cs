using System.Diagnostics;
using Aligner.Backends.Torch;

namespace Aligner.Reliability.Tests;

/// <summary>One loaded model under many concurrent callers: no errors, the same results as sequential greedy runs, flat memory.</summary>
[Collection(TinyCorrectorCollection.Name)]
public sealed class LoadTests(TinyCorrectorFixture fixture)
{
    private static readonly GenerationOptions Short = GenerationOptions.Greedy with { MaxNewTokens = 4 };

    private static CorrectionRequest Request(int i) => new($"Question number {i % 37}?", $"Answer {i % 53} with some words.");

    [Fact]
    public async Task Thirty_two_concurrent_callers_get_the_sequential_results()
    {
        using var model = TorchCorrectionModel.Load(fixture.CheckpointFolder);
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = Short, MaxBatchSize = 1 });
        const int perCaller = 8, callers = 32;
        var expected = new Dictionary<int, string>();
        for (int i = 0; i < callers * perCaller; i++)
            if (!expected.ContainsKey(i % (37 * 53)))
                expected[i % (37 * 53)] = (await aligner.CorrectAsync(Request(i))).CorrectedAnswer;

        var tasks = Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mismatches = new List<string>();
            for (int k = 0; k < perCaller; k++)
            {
                int i = c * perCaller + k;
                var r = await aligner.CorrectAsync(Request(i));
                if (r.IsFallback) mismatches.Add($"{i}: fallback {r.FallbackReason} {r.FallbackDetail}");
                else if (r.CorrectedAnswer != expected[i % (37 * 53)]) mismatches.Add($"{i}: '{r.CorrectedAnswer}'");
            }
            return mismatches;
        })).ToArray();
        var all = (await Task.WhenAll(tasks)).SelectMany(x => x).ToList();
        Assert.True(all.Count == 0, string.Join("\n", all.Take(10)));
    }

    [Fact]
    public async Task Memory_stays_flat_over_two_thousand_corrections()
    {
        using var model = TorchCorrectionModel.Load(fixture.CheckpointFolder);
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = Short, MaxBatchSize = 8 });
        async Task Run(int count)
        {
            for (int start = 0; start < count; start += 50)
                await aligner.CorrectBatchAsync([.. Enumerable.Range(start, 50).Select(Request)]);
        }
        await Run(200); // warm-up: allocator pools, JIT, libtorch caches
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long before = Process.GetCurrentProcess().WorkingSet64;
        await Run(2000);
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long after = Process.GetCurrentProcess().WorkingSet64;
        double growthMb = (after - before) / 1e6;
        Assert.True(growthMb < 64, $"RSS grew by {growthMb:F1} MB over 2,000 corrections ({before / 1e6:F0} → {after / 1e6:F0} MB).");
    }
}
