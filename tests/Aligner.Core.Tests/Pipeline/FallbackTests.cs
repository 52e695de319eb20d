using Aligner.Core.Tests.Support;

namespace Aligner.Core.Tests.Pipeline;

public class FallbackTests
{
    private static readonly CorrectionRequest Request = new("What is the capital of France?", "Lyon.");

    [Fact]
    public async Task A_timeout_returns_the_original_answer_flagged()
    {
        var model = new ScriptedCorrectionModel((q, a) => "Paris.") { BeforeGenerate = (_, ct) => Task.Delay(Timeout.Infinite, ct) };
        var aligner = new ResidualAligner(model, new AlignerOptions { Timeout = TimeSpan.FromMilliseconds(100) });
        var result = await aligner.CorrectAsync(Request);
        Assert.Equal(FallbackReason.Timeout, result.FallbackReason);
        Assert.Equal("Lyon.", result.CorrectedAnswer);
        Assert.False(result.Changed);
        Assert.Equal(0, result.Rounds);
    }

    [Fact]
    public async Task A_backend_that_ignores_cancellation_still_times_out()
    {
        var model = new ScriptedCorrectionModel((q, a) => "Paris.") { BeforeGenerate = (_, _) => Task.Delay(TimeSpan.FromSeconds(30)) };
        var aligner = new ResidualAligner(model, new AlignerOptions { Timeout = TimeSpan.FromMilliseconds(100) });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await aligner.CorrectAsync(Request);
        Assert.Equal(FallbackReason.Timeout, result.FallbackReason);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_backend_exception_returns_the_original_with_the_reason()
    {
        var model = new ScriptedCorrectionModel((q, a) => throw new IOException("server unreachable"));
        var result = await new ResidualAligner(model).CorrectAsync(Request);
        Assert.Equal(FallbackReason.BackendError, result.FallbackReason);
        Assert.Contains("server unreachable", result.FallbackDetail);
        Assert.Equal("Lyon.", result.CorrectedAnswer);
    }

    [Theory]
    [InlineData("", FallbackReason.EmptyOutput)]
    [InlineData("   \n ", FallbackReason.EmptyOutput)]
    [InlineData(" ASSISTANT:", FallbackReason.EmptyOutput)]
    [InlineData("Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris", FallbackReason.DegenerateOutput)]
    public async Task Empty_or_degenerate_output_falls_back(string output, FallbackReason reason)
    {
        var result = await new ResidualAligner(new ScriptedCorrectionModel((q, a) => output)).CorrectAsync(Request);
        Assert.Equal(reason, result.FallbackReason);
        Assert.Equal("Lyon.", result.CorrectedAnswer);
    }

    [Fact]
    public async Task Throw_behaviour_raises_a_typed_error_with_the_reason()
    {
        var options = new AlignerOptions { OnFailure = FailureBehavior.Throw };
        var failing = new ResidualAligner(new ScriptedCorrectionModel((q, a) => throw new IOException("boom")), options);
        var e = await Assert.ThrowsAsync<CorrectionFailedException>(() => failing.CorrectAsync(Request));
        Assert.Equal(FallbackReason.BackendError, e.Reason);
        Assert.IsType<IOException>(e.InnerException);

        var empty = new ResidualAligner(new ScriptedCorrectionModel((q, a) => ""), options);
        Assert.Equal(FallbackReason.EmptyOutput, (await Assert.ThrowsAsync<CorrectionFailedException>(() => empty.CorrectAsync(Request))).Reason);
    }

    [Fact]
    public async Task Caller_cancellation_throws_and_is_not_a_fallback()
    {
        var started = new TaskCompletionSource();
        var model = new ScriptedCorrectionModel((q, a) => "Paris.")
        {
            BeforeGenerate = async (_, ct) => { started.TrySetResult(); await Task.Delay(Timeout.Infinite, ct); },
        };
        var aligner = new ResidualAligner(model, new AlignerOptions { OnFailure = FailureBehavior.ReturnOriginal });
        using var cts = new CancellationTokenSource();
        var task = aligner.CorrectAsync(Request, cts.Token);
        await started.Task;
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    [Fact]
    public async Task An_already_cancelled_token_throws_before_any_work()
    {
        var model = new ScriptedCorrectionModel((q, a) => "Paris.");
        var aligner = new ResidualAligner(model);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => aligner.CorrectAsync(Request, cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => aligner.CorrectBatchAsync([Request, Request], cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { await foreach (var _ in aligner.CorrectStreamingAsync(Request, cts.Token)) { } });
        Assert.Empty(model.Prompts);
    }

    [Fact]
    public async Task Caller_cancellation_while_streaming_throws()
    {
        var model = new ScriptedCorrectionModel((q, a) => new string('x', 10) + " and more text to stream") { StreamChunk = 1 };
        var aligner = new ResidualAligner(model);
        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in aligner.CorrectStreamingAsync(Request, cts.Token))
                if (++seen == 2) cts.Cancel();
        });
    }
}
