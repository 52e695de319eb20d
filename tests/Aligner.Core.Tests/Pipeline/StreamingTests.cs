using Aligner.Core.Tests.Support;

namespace Aligner.Core.Tests.Pipeline;

public class StreamingTests
{
    private static async Task<(List<CorrectionUpdate> Updates, string Text)> Collect(IAligner aligner, CorrectionRequest request)
    {
        var updates = new List<CorrectionUpdate>();
        var text = new System.Text.StringBuilder();
        await foreach (var u in aligner.CorrectStreamingAsync(request))
        {
            updates.Add(u);
            if (u.Reset) text.Clear();
            text.Append(u.TextDelta);
        }
        return (updates, text.ToString());
    }

    [Fact]
    public async Task Deltas_concatenate_to_the_corrected_answer()
    {
        var model = new ScriptedCorrectionModel((q, a) => " ASSISTANT: The capital of France is Paris.") { StreamChunk = 2 };
        var (updates, text) = await Collect(new ResidualAligner(model), new CorrectionRequest("Capital?", "Lyon"));
        var result = updates[^1].Result;
        Assert.NotNull(result);
        Assert.Equal("The capital of France is Paris.", result.CorrectedAnswer);
        Assert.Equal(result.CorrectedAnswer, text);
        Assert.DoesNotContain(updates, u => u.Reset);
        Assert.True(updates.Count(u => u.TextDelta.Length > 0) > 3, "the correction should arrive in several deltas");
        Assert.All(updates.Take(updates.Count - 1), u => Assert.Null(u.Result));
    }

    [Fact]
    public async Task A_fallback_after_streamed_text_resets_to_the_original()
    {
        var model = new ScriptedCorrectionModel((q, a) => "Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris") { StreamChunk = 4 };
        var (updates, text) = await Collect(new ResidualAligner(model), new CorrectionRequest("Capital?", "Lyon"));
        Assert.Equal(FallbackReason.DegenerateOutput, updates[^1].Result!.FallbackReason);
        Assert.Equal("Lyon", text);
        Assert.Contains(updates, u => u.Reset);
    }

    [Fact]
    public async Task A_new_round_resets_the_stream()
    {
        var model = new ScriptedCorrectionModel((q, a) => a.EndsWith("!!") ? a : a + "!");
        var (updates, text) = await Collect(new ResidualAligner(model, new AlignerOptions { MaxRounds = 5 }), new CorrectionRequest("Q", "Hello"));
        Assert.Equal("Hello!!", text);
        Assert.Equal("Hello!!", updates[^1].Result!.CorrectedAnswer);
        Assert.Equal(3, updates[^1].Result!.Rounds);
        Assert.Equal(2, updates.Count(u => u.Reset));
    }

    [Fact]
    public async Task A_request_the_gate_keeps_streams_the_original_once()
    {
        var aligner = new ResidualAligner(new ScriptedCorrectionModel((q, a) => "x"), new AlignerOptions { Gate = CorrectionGate.FromPredicate((_, _) => ValueTask.FromResult(false)) });
        var (updates, text) = await Collect(aligner, new CorrectionRequest("Q", "original"));
        Assert.Equal("original", text);
        Assert.True(updates[^1].Result!.Kept);
        Assert.False(updates[^1].Result!.IsFallback);
    }

    [Fact]
    public async Task A_streaming_timeout_falls_back()
    {
        var model = new ScriptedCorrectionModel((q, a) => "slow") { BeforeGenerate = (_, ct) => Task.Delay(Timeout.Infinite, ct) };
        var (updates, text) = await Collect(new ResidualAligner(model, new AlignerOptions { Timeout = TimeSpan.FromMilliseconds(100) }), new CorrectionRequest("Q", "A"));
        Assert.Equal(FallbackReason.Timeout, updates[^1].Result!.FallbackReason);
        Assert.Equal("A", text);
    }

    [Fact]
    public async Task A_streaming_backend_that_ignores_cancellation_still_times_out()
    {
        var model = new ScriptedCorrectionModel((q, a) => "slow") { BeforeGenerate = (_, _) => Task.Delay(TimeSpan.FromSeconds(30)) };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (updates, text) = await Collect(new ResidualAligner(model, new AlignerOptions { Timeout = TimeSpan.FromMilliseconds(100) }), new CorrectionRequest("Q", "A"));
        Assert.Equal(FallbackReason.Timeout, updates[^1].Result!.FallbackReason);
        Assert.Equal("A", text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }
}
