using Aligner.Core.Tests.Support;
using Aligner.Generation;

namespace Aligner.Core.Tests.Generation;

public class DecoderCorrectionModelTests
{
    // The fake corrector answers with the prompt's last word reversed, then "!".
    private static string Script(string prompt)
    {
        var last = prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        return new string([.. last.Reverse()]) + "!";
    }

    private static CorrectionPrompt P(string text) => CorrectionPrompt.FromUntrustedText(text);

    [Fact]
    public async Task Greedy_generation_follows_the_model_and_stops_at_EOS()
    {
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(Script));
        var result = await model.GenerateAsync(P("please reverse hello"), GenerationOptions.Greedy);
        Assert.Equal("olleh!", result.Text);
        Assert.Equal(FinishReason.EndOfSequence, result.FinishReason);
        Assert.Equal(1 + "please reverse hello".Length, result.PromptTokens);
        Assert.Equal("olleh!".Length + 1, result.GeneratedTokens); // EOS included
        Assert.Equal(1 + 20, model.CountPromptTokens(P("please reverse hello")));
    }

    [Fact]
    public async Task Max_new_tokens_ends_with_length()
    {
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(Script));
        var result = await model.GenerateAsync(P("abcdefgh"), GenerationOptions.Greedy with { MaxNewTokens = 3 });
        Assert.Equal("hgf", result.Text);
        Assert.Equal(FinishReason.Length, result.FinishReason);
        Assert.Equal(3, result.GeneratedTokens);
    }

    [Fact]
    public async Task Generation_stops_at_the_context_length()
    {
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(Script, contextLength: 12));
        var result = await model.GenerateAsync(P("abcdefgh"), GenerationOptions.Greedy);
        Assert.Equal(12 - 9, result.GeneratedTokens);
        Assert.Equal(FinishReason.Length, result.FinishReason);
        await Assert.ThrowsAsync<ContextBudgetExceededException>(() => model.GenerateAsync(P(new string('a', 20)), GenerationOptions.Greedy));
    }

    [Fact]
    public async Task Stop_sequences_cut_the_text()
    {
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(_ => "Hello END world"));
        var result = await model.GenerateAsync(P("x"), GenerationOptions.Greedy with { StopSequences = ["END"] });
        Assert.Equal("Hello ", result.Text);
        Assert.Equal(FinishReason.StopSequence, result.FinishReason);
    }

    public static TheoryData<float> Temperatures => [0f, 1f];

    [Theory]
    [MemberData(nameof(Temperatures))]
    public async Task A_batch_gives_the_same_texts_as_one_by_one(float temperature)
    {
        var options = new GenerationOptions { Temperature = temperature, TopK = 20, TopP = 0.95f, FrequencyPenalty = 0.5f, Seed = 42, MaxNewTokens = 30 };
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(Script, margin: 2.5f));
        var prompts = new[] { "short", "a much longer prompt with words", "mid size one", "x" }.Select(P).ToList();
        var batch = await model.GenerateBatchAsync(prompts, options);
        for (int i = 0; i < prompts.Count; i++)
        {
            var single = await model.GenerateAsync(prompts[i], options);
            Assert.Equal(single, batch[i]);
        }
        if (temperature == 0) Assert.Equal(["trohs!", "sdrow!", "eno!", "x!"], batch.Select(b => b.Text));
        else Assert.NotEqual(["trohs!", "sdrow!", "eno!", "x!"], batch.Select(b => b.Text)); // margin 2.5 at T=1 deviates
    }

    [Fact]
    public async Task Streaming_deltas_concatenate_to_the_final_text_and_hold_back_stop_prefixes()
    {
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(_ => "one EN two END three"));
        var deltas = new List<string>();
        GenerationResult? final = null;
        await foreach (var u in model.GenerateStreamingAsync(P("x"), GenerationOptions.Greedy with { StopSequences = ["END"] }))
        {
            deltas.Add(u.TextDelta);
            final = u.Final ?? final;
        }
        Assert.NotNull(final);
        Assert.Equal("one EN two ", final.Text);
        Assert.Equal(final.Text, string.Concat(deltas));
        Assert.DoesNotContain(deltas, d => d.Contains('D'));
        Assert.True(deltas.Count(d => d.Length > 0) > 5);
    }

    [Fact]
    public async Task Cancellation_stops_between_tokens()
    {
        using var cts = new CancellationTokenSource();
        var decoder = new ScriptedDecoderModel(_ => new string('z', 500)) { OnStep = step => { if (step == 3) cts.Cancel(); } };
        using var model = new DecoderCorrectionModel(decoder);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => model.GenerateAsync(P("x"), GenerationOptions.Greedy, cts.Token));
        Assert.Equal(3, decoder.Steps);

        using var streamCts = new CancellationTokenSource();
        var streamDecoder = new ScriptedDecoderModel(_ => new string('z', 500)) { OnStep = step => { if (step == 5) streamCts.Cancel(); } };
        using var streamModel = new DecoderCorrectionModel(streamDecoder);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in streamModel.GenerateStreamingAsync(P("x"), GenerationOptions.Greedy, streamCts.Token)) { }
        });
        Assert.InRange(streamDecoder.Steps, 5, 6);
    }

    [Fact]
    public async Task Invalid_options_are_rejected_by_name()
    {
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(Script));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => model.GenerateAsync(P("x"), GenerationOptions.Greedy with { MaxNewTokens = 0 }));
        Assert.Contains("MaxNewTokens", e.Message);
    }

    [Fact]
    public async Task An_aligner_over_the_decoder_loop_corrects_end_to_end()
    {
        // The corrector reproduces the answer's last word in upper case; the pipeline strips the leading space.
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(p => " " + p.Split(" | ")[1].Replace(" ASSISTANT:", "").ToUpperInvariant()));
        var aligner = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy with { MaxNewTokens = 64 } });
        var result = await aligner.CorrectAsync(new CorrectionRequest("Capital of France?", "paris"));
        Assert.Equal("PARIS", result.CorrectedAnswer);
        Assert.Equal("scripted-decoder", result.ModelId);
        Assert.Equal(1 + CorrectionPromptTemplate.V1.Render("Capital of France?", "paris").Text.Length, result.PromptTokens);
    }

    [Fact]
    public async Task Concurrent_corrections_over_one_decoder_model_equal_sequential_ones()
    {
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(p => " " + p.Split(" | ")[1].Replace(" ASSISTANT:", "").ToUpperInvariant(), margin: 2.5f));
        var options = new AlignerOptions { Generation = new GenerationOptions { Temperature = 0.8f, TopK = 8, TopP = 0.9f, Seed = 3, MaxNewTokens = 40 } };
        var aligner = new ResidualAligner(model, options);
        var requests = Enumerable.Range(0, 100).Select(i => new CorrectionRequest($"q{i}", $"answer number {i}")).ToList();
        var sequential = new List<CorrectionResult>();
        foreach (var r in requests) sequential.Add(await aligner.CorrectAsync(r));
        var concurrent = await Task.WhenAll(requests.Select(r => Task.Run(() => aligner.CorrectAsync(r))));
        var batched = await aligner.CorrectBatchAsync(requests);
        Assert.Equal(sequential.Select(r => r.CorrectedAnswer), concurrent.Select(r => r.CorrectedAnswer));
        Assert.Equal(sequential.Select(r => r.CorrectedAnswer), batched.Select(r => r.CorrectedAnswer));
        Assert.Equal(sequential.Select(r => r.GeneratedTokens), batched.Select(r => r.GeneratedTokens));
    }
}
