using Aligner.Core.Tests.Support;
using Aligner.Generation;

namespace Aligner.Core.Tests.Generation;

/// <summary>The request scheduler of the shared generation loop, and the keep marker's first-step decision.</summary>
public sealed class SchedulerAndKeepMarkerTests
{
    private const int Keep = 127; // the fake's keep marker: a CharTokenizer id no prompt uses

    // The fake corrector answers with the prompt's last word reversed; "KEEP" at the end of a prompt makes it emit the marker.
    private static string Script(string prompt)
    {
        var last = prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        return last == "KEEP" ? ((char)Keep).ToString() : new string([.. last.Reverse()]);
    }

    private static CorrectionPrompt P(string text) => CorrectionPrompt.FromUntrustedText(text);

    /// <summary>Holds the first batch inside Prefill until released, so the test controls what queues up behind it.</summary>
    private sealed class HeldFirstBatch
    {
        private readonly ManualResetEventSlim _release = new();
        private readonly ManualResetEventSlim _entered = new();
        private int _calls;

        public void BeforePrefill(int batch)
        {
            if (Interlocked.Increment(ref _calls) != 1) return;
            _entered.Set();
            _release.Wait(TimeSpan.FromSeconds(30));
        }

        public void WaitUntilHeld() => Assert.True(_entered.Wait(TimeSpan.FromSeconds(30)), "the first batch never started");
        public void Release() => _release.Set();
    }

    [Fact]
    public async Task Requests_that_arrive_during_a_batch_are_decoded_together_with_their_own_results()
    {
        var held = new HeldFirstBatch();
        var decoder = new ScriptedDecoderModel(Script) { BeforePrefill = held.BeforePrefill };
        using var model = new DecoderCorrectionModel(decoder, scheduling: new GenerationSchedulerOptions { MaxBatchSize = 4 });
        var first = model.GenerateAsync(P("word alpha"), GenerationOptions.Greedy);
        held.WaitUntilHeld();
        string[] words = ["bravo", "charlie", "delta", "echo", "foxtrot", "golf"];
        var queued = words.Select(w => model.GenerateAsync(P("word " + w), GenerationOptions.Greedy)).ToList();
        held.Release();

        Assert.Equal("ahpla", (await first).Text);
        var texts = (await Task.WhenAll(queued)).Select(r => r.Text).ToList();
        Assert.Equal(words.Select(w => new string([.. w.Reverse()])), texts);
        Assert.Equal([1, 4, 2], decoder.BatchSizes); // FIFO batches of at most MaxBatchSize
    }

    [Fact]
    public async Task Requests_with_different_options_are_not_merged()
    {
        var held = new HeldFirstBatch();
        var decoder = new ScriptedDecoderModel(Script) { BeforePrefill = held.BeforePrefill };
        using var model = new DecoderCorrectionModel(decoder);
        var first = model.GenerateAsync(P("word one"), GenerationOptions.Greedy);
        held.WaitUntilHeld();
        var a = model.GenerateAsync(P("word two"), GenerationOptions.Greedy);
        var b = model.GenerateAsync(P("word three"), GenerationOptions.Greedy with { MaxNewTokens = 2 });
        var c = model.GenerateAsync(P("word four"), GenerationOptions.Greedy);
        held.Release();
        await Task.WhenAll(first, a, b, c);
        Assert.Equal("ee", (await b).Text);
        Assert.Equal([1, 2, 1], decoder.BatchSizes);
    }

    [Fact]
    public async Task A_full_queue_refuses_with_a_typed_exception_and_the_pipeline_falls_back_flagged()
    {
        var held = new HeldFirstBatch();
        var decoder = new ScriptedDecoderModel(Script) { BeforePrefill = held.BeforePrefill };
        using var model = new DecoderCorrectionModel(decoder, scheduling: new GenerationSchedulerOptions { MaxQueueLength = 2 });
        var first = model.GenerateAsync(P("word one"), GenerationOptions.Greedy);
        held.WaitUntilHeld();
        var queued = new[] { model.GenerateAsync(P("word two"), GenerationOptions.Greedy), model.GenerateAsync(P("word three"), GenerationOptions.Greedy) };
        await Assert.ThrowsAsync<GenerationQueueFullException>(() => model.GenerateAsync(P("word four"), GenerationOptions.Greedy));
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy });
        var refused = await aligner.CorrectAsync(new CorrectionRequest("q?", "an answer"));
        Assert.Equal(FallbackReason.Overloaded, refused.FallbackReason);
        Assert.Equal("an answer", refused.CorrectedAnswer);
        held.Release();
        await Task.WhenAll([first, .. queued]);
    }

    [Fact]
    public async Task Cancelling_one_row_of_a_batch_leaves_the_others_undisturbed()
    {
        var held = new HeldFirstBatch();
        using var cancelMiddle = new CancellationTokenSource();
        var decoder = new ScriptedDecoderModel(Script) { BeforePrefill = held.BeforePrefill };
        decoder.OnStep = step => { if (step == 2) cancelMiddle.Cancel(); };
        using var model = new DecoderCorrectionModel(decoder);
        var first = model.GenerateAsync(P("word x"), GenerationOptions.Greedy);
        held.WaitUntilHeld();
        var a = model.GenerateAsync(P("word abcdefgh"), GenerationOptions.Greedy);
        var b = model.GenerateAsync(P("word ijklmnop"), GenerationOptions.Greedy, cancelMiddle.Token);
        var c = model.GenerateAsync(P("word qrstuvwx"), GenerationOptions.Greedy);
        held.Release();
        await first;
        Assert.Equal("hgfedcba", (await a).Text);
        Assert.Equal("xwvutsrq", (await c).Text);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
        Assert.Equal([1, 3], decoder.BatchSizes);
    }

    [Fact]
    public async Task A_queued_request_that_is_cancelled_leaves_the_queue_without_running()
    {
        var held = new HeldFirstBatch();
        var decoder = new ScriptedDecoderModel(Script) { BeforePrefill = held.BeforePrefill };
        using var model = new DecoderCorrectionModel(decoder);
        var first = model.GenerateAsync(P("word one"), GenerationOptions.Greedy);
        held.WaitUntilHeld();
        using var cancel = new CancellationTokenSource();
        var withdrawn = model.GenerateAsync(P("word two"), GenerationOptions.Greedy, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn);
        held.Release();
        await first;
        Assert.Equal([1], decoder.BatchSizes);
    }

    [Fact]
    public async Task The_keep_marker_returns_the_original_answer_byte_for_byte_and_reports_its_probability()
    {
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(Script) { KeepTokenId = Keep });
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy, Template = new CorrectionPromptTemplate("custom", "{question} {answer}") });
        const string answer = "  An answer with odd   spacing, (brackets) and \"quotes\" then KEEP";
        var kept = await aligner.CorrectAsync(new CorrectionRequest("q?", answer));
        Assert.True(kept.Kept);
        Assert.False(kept.IsFallback);
        Assert.False(kept.Changed);
        Assert.Same(answer, kept.CorrectedAnswer);
        Assert.True(kept.KeepProbability > 0.5, $"keep probability {kept.KeepProbability}");

        var corrected = await aligner.CorrectAsync(new CorrectionRequest("q?", "reverse this"));
        Assert.False(corrected.Kept);
        Assert.Equal("siht", corrected.CorrectedAnswer);
        Assert.True(corrected.KeepProbability < 0.01, $"keep probability {corrected.KeepProbability}");
    }

    [Fact]
    public async Task A_keep_threshold_overrides_the_models_choice_and_the_marker_never_appears_in_text()
    {
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(Script) { KeepTokenId = Keep });
        var template = new CorrectionPromptTemplate("custom", "{question} {answer}");
        var strict = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy, Template = template, KeepThreshold = 1.0 });
        var result = await strict.CorrectAsync(new CorrectionRequest("q?", "please KEEP"));
        Assert.False(result.Kept);
        Assert.DoesNotContain((char)Keep, result.CorrectedAnswer);

        var eager = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy, Template = template, KeepThreshold = 0.0 });
        var keptAnyway = await eager.CorrectAsync(new CorrectionRequest("q?", "reverse this"));
        Assert.True(keptAnyway.Kept);
        Assert.Equal("reverse this", keptAnyway.CorrectedAnswer);
    }

    [Fact]
    public void Keep_threshold_outside_zero_to_one_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => (GenerationOptions.Greedy with { KeepThreshold = 1.5 }).Validate());
    }
}
