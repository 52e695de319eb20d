using System.Diagnostics;
using Aligner.Backends.Onnx;
using Aligner.Generation;
using Aligner.Backends.Torch;

namespace Aligner.Reliability.Tests;

/// <summary>One loaded model under many concurrent callers: no errors, the same results as sequential greedy runs, flat memory.</summary>
[Collection(TinyCorrectorCollection.Name)]
public sealed class LoadTests(TinyCorrectorFixture fixture)
{
    private static readonly GenerationOptions Short = GenerationOptions.Greedy with { MaxNewTokens = 4 };

    private static CorrectionRequest Request(int i) => new($"Question number {i % 37}?", $"Answer {i % 53} with some words.");

    /// <summary>
    /// The "Unknown scalar type" race (issue 13): temporary TorchSharp Scalars freed by the finalizer thread while
    /// libtorch still read them. Forced collections on a second thread make every such window a likely failure
    /// (before the fix this failed on every run, within the first few hundred corrections); the IL check in
    /// <c>ScalarLifetimeTests</c> guards the cause itself.
    /// </summary>
    [Theory]
    [InlineData("torch")]
    [InlineData("onnx")]
    public async Task Sixty_four_callers_under_forced_garbage_collections_get_the_sequential_results(string backend)
    {
        using var model = backend == "torch" ? (DecoderCorrectionModel)TorchCorrectionModel.Load(fixture.CheckpointFolder) : OnnxCorrectionModel.Load(fixture.OnnxFolder);
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = Short, MaxBatchSize = 1 });
        const int perCaller = 25, callers = 64, distinct = 61;
        var expected = new string[distinct];
        for (int i = 0; i < distinct; i++)
            expected[i] = (await aligner.CorrectAsync(Request(i))).CorrectedAnswer;

        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        var tasks = Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mismatches = new List<string>();
            for (int k = 0; k < perCaller; k++)
            {
                int i = (c * perCaller + k) % distinct;
                var r = await aligner.CorrectAsync(Request(i));
                if (r.IsFallback) mismatches.Add($"{i}: fallback {r.FallbackReason} {r.FallbackDetail}");
                else if (r.CorrectedAnswer != expected[i]) mismatches.Add($"{i}: '{r.CorrectedAnswer}' instead of '{expected[i]}'");
            }
            return mismatches;
        })).ToArray();
        List<string> all;
        try { all = [.. (await Task.WhenAll(tasks)).SelectMany(x => x)]; }
        finally
        {
            await stop.CancelAsync();
            await collector;
        }
        Assert.True(all.Count == 0, $"{all.Count} of {callers * perCaller} corrections failed:\n" + string.Join("\n", all.Take(10)));
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
        static long Settled()
        {
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
        await Run(200); // warm-up: allocator pools, JIT, libtorch caches
        long before = Settled();
        await Run(1000);
        long middle = Settled();
        await Run(1000);
        long after = Settled();
        // A leak grows with every correction, in both halves alike; the native allocator's arenas (one more per thread
        // that allocates, more threads on a busy machine) grow once and stay. So the second half must stay flat.
        double secondHalfMb = (after - middle) / 1e6, totalMb = (after - before) / 1e6;
        Assert.True(secondHalfMb < 40 && totalMb < 160,
            $"RSS grew by {secondHalfMb:F1} MB over the second 1,000 corrections and {totalMb:F1} MB over all 2,000 ({before / 1e6:F0} → {middle / 1e6:F0} → {after / 1e6:F0} MB).");
    }
}
