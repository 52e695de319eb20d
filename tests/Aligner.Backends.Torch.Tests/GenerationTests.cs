using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests;

public class GenerationTests(TinyCheckpointFixture fixture) : IClassFixture<TinyCheckpointFixture>
{
    private static readonly GenerationOptions Greedy = GenerationOptions.Greedy with { MaxNewTokens = 12 };

    [Fact]
    public async Task Greedy_generation_is_deterministic_and_follows_the_argmax_of_full_recomputation()
    {
        using var corrector = TorchCorrectionModel.Load(fixture.Folder);
        var prompt = CorrectionPrompt.FromUntrustedText("The quick brown fox");
        var first = await corrector.GenerateAsync(prompt, Greedy);
        var second = await corrector.GenerateAsync(prompt, Greedy);
        Assert.Equal(first, second);
        Assert.Equal(12, first.GeneratedTokens);
        Assert.Equal(FinishReason.Length, first.FinishReason);

        // Independent path: argmax over full (uncached) forward passes, one token at a time.
        var tokens = corrector.Tokenizer.EncodePrompt(prompt).ToList();
        var network = corrector.Decoder.Network;
        var generated = new List<int>();
        for (int i = 0; i < 12; i++)
        {
            var logits = TinyModels.FullLogits(network, [.. tokens]);
            int best = 0;
            for (int v = 1; v < logits.GetLength(1); v++) if (logits[tokens.Count - 1, v] > logits[tokens.Count - 1, best]) best = v;
            tokens.Add(best);
            generated.Add(best);
        }
        Assert.Equal(corrector.Tokenizer.Decode(generated), first.Text);
    }

    [Fact]
    public async Task Batch_of_different_lengths_equals_one_by_one()
    {
        using var corrector = TorchCorrectionModel.Load(fixture.Folder);
        CorrectionPrompt[] prompts =
        [
            CorrectionPrompt.FromUntrustedText("Hi"),
            CorrectionPrompt.FromUntrustedText("A much longer prompt with many more tokens than the first one"),
            CorrectionPrompt.FromUntrustedText("Medium length prompt here"),
        ];
        var batch = await corrector.GenerateBatchAsync(prompts, Greedy);
        for (int i = 0; i < prompts.Length; i++)
            Assert.Equal(await corrector.GenerateAsync(prompts[i], Greedy), batch[i]);
    }

    [Fact]
    public void Left_padded_batch_logits_equal_single_row_logits()
    {
        TorchRuntime.EnsureInitialized();
        using var model = CausalLanguageModel.Load(fixture.Folder);
        int vocab = model.Config.VocabSize;
        int[] shortRow = [11, 12, 13], longRow = [21, 22, 23, 24, 25, 26, 27];
        int length = longRow.Length;
        int[] tokens = [.. Enumerable.Repeat(0, length - shortRow.Length), .. shortRow, .. longRow];
        int[] mask = [.. Enumerable.Repeat(0, length - shortRow.Length), .. Enumerable.Repeat(1, shortRow.Length + longRow.Length)];
        using var batch = new TorchDecoderSession(model, 2, length + 3);
        var batchLogits = new float[2 * vocab];
        batch.Prefill(tokens, mask, length, batchLogits);
        var singleLogits = new float[vocab];
        double max = 0;
        int[][] rows = [shortRow, longRow];
        var singles = rows.Select(r => new TorchDecoderSession(model, 1, r.Length + 3)).ToArray();
        try
        {
            for (int b = 0; b < 2; b++)
            {
                singles[b].Prefill(rows[b], Enumerable.Repeat(1, rows[b].Length).ToArray(), rows[b].Length, singleLogits);
                max = Math.Max(max, MaxDiff(batchLogits.AsSpan(b * vocab, vocab), singleLogits));
            }
            for (int step = 0; step < 3; step++)
            {
                int[] next = [100 + step, 200 + step];
                batch.Step(next, batchLogits);
                for (int b = 0; b < 2; b++)
                {
                    singles[b].Step(next.AsSpan(b, 1), singleLogits);
                    max = Math.Max(max, MaxDiff(batchLogits.AsSpan(b * vocab, vocab), singleLogits));
                }
            }
        }
        finally { foreach (var s in singles) s.Dispose(); }
        Assert.True(max < 1e-4, $"max |batch - single| = {max}");
    }

    [Fact]
    public async Task Seeded_sampling_reproduces_and_different_seeds_differ()
    {
        using var corrector = TorchCorrectionModel.Load(fixture.Folder);
        var prompt = CorrectionPrompt.FromUntrustedText("Once upon a time");
        var options = new GenerationOptions { MaxNewTokens = 16, Temperature = 1.5f, TopK = 0, TopP = 1, FrequencyPenalty = 0, Seed = 123 };
        var a = await corrector.GenerateAsync(prompt, options);
        var b = await corrector.GenerateAsync(prompt, options);
        Assert.Equal(a, b);
        var texts = new HashSet<string>();
        for (int seed = 0; seed < 4; seed++) texts.Add((await corrector.GenerateAsync(prompt, options with { Seed = seed })).Text);
        Assert.True(texts.Count > 1, "four seeds all gave the same sample");
    }

    [Fact]
    public async Task Streaming_deltas_concatenate_to_the_batch_result()
    {
        using var corrector = TorchCorrectionModel.Load(fixture.Folder);
        var prompt = CorrectionPrompt.FromUntrustedText("Streaming test");
        var expected = await corrector.GenerateAsync(prompt, Greedy);
        var text = "";
        GenerationResult? final = null;
        await foreach (var update in corrector.GenerateStreamingAsync(prompt, Greedy))
        {
            text += update.TextDelta;
            final ??= update.Final;
        }
        Assert.Equal(expected.Text, text);
        Assert.Equal(expected, final);
    }

    [Fact]
    public async Task Concurrent_requests_on_one_model_give_the_sequential_results()
    {
        using var corrector = TorchCorrectionModel.Load(fixture.Folder);
        var prompts = Enumerable.Range(0, 4).Select(i => CorrectionPrompt.FromUntrustedText($"Prompt number {i} says")).ToArray();
        var sequential = new List<GenerationResult>();
        foreach (var p in prompts) sequential.Add(await corrector.GenerateAsync(p, Greedy));
        var concurrent = await Task.WhenAll(prompts.Select(p => Task.Run(() => corrector.GenerateAsync(p, Greedy))));
        Assert.Equal(sequential, concurrent);
    }

    [Fact]
    public void Sessions_leak_no_tensors()
    {
        TorchRuntime.EnsureInitialized();
        using var model = CausalLanguageModel.Load(fixture.Folder);
        var logits = new float[2 * model.Config.VocabSize];
        void RunOnce()
        {
            using var session = new TorchDecoderSession(model, 2, 12);
            session.Prefill([5, 6, 7, 0, 8, 9], [1, 1, 1, 0, 1, 1], 3, logits);
            for (int i = 0; i < 6; i++) session.Step([10, 11], logits);
        }
        RunOnce();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++) RunOnce();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public async Task Generation_stops_at_the_eos_id_of_generation_config()
    {
        using var probe = TorchCorrectionModel.Load(fixture.Folder);
        var prompt = CorrectionPrompt.FromUntrustedText("Stop here");
        var free = await probe.GenerateAsync(prompt, Greedy);
        var promptIds = probe.Tokenizer.EncodePrompt(prompt).ToArray();
        var logits = TinyModels.FullLogits(probe.Decoder.Network, promptIds);
        int argmax = 0;
        for (int v = 1; v < logits.GetLength(1); v++) if (logits[promptIds.Length - 1, v] > logits[promptIds.Length - 1, argmax]) argmax = v;
        Assert.True(free.GeneratedTokens > 1);

        using var copy = new TempFolder();
        foreach (var file in Directory.GetFiles(fixture.Folder)) File.Copy(file, Path.Combine(copy.Path, Path.GetFileName(file)));
        new Aligner.Checkpoints.GenerationConfig { EosTokenIds = [argmax] }.Save(Path.Combine(copy.Path, "generation_config.json"));
        using var stopping = TorchCorrectionModel.Load(copy.Path);
        Assert.Equal([argmax], stopping.Decoder.EosTokenIds);
        var result = await stopping.GenerateAsync(prompt, Greedy);
        Assert.Equal(FinishReason.EndOfSequence, result.FinishReason);
        Assert.Equal(1, result.GeneratedTokens);
        Assert.Equal("", result.Text);
    }

    [Fact]
    public void Right_padded_forward_equals_unpadded_rows()
    {
        TorchRuntime.EnsureInitialized();
        using var model = CausalLanguageModel.Load(fixture.Folder);
        int[] a = [31, 32, 33, 34, 35, 36], b = [41, 42, 43];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 31, 32, 33, 34, 35, 36, 41, 42, 43, 0, 0, 0 }, [2, 6], ScalarType.Int64);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, [2, 6], ScalarType.Int64);
        var batched = model.Forward(ids, mask).to(ScalarType.Float32);
        var single = TinyModels.FullLogits(model, b);
        double max = 0;
        for (int t = 0; t < b.Length; t++)
            for (int v = 0; v < model.Config.VocabSize; v += 97)
                max = Math.Max(max, Math.Abs(batched[1, t, v].item<float>() - single[t, v]));
        var first = TinyModels.FullLogits(model, a);
        for (int v = 0; v < model.Config.VocabSize; v += 97)
            max = Math.Max(max, Math.Abs(batched[0, 5, v].item<float>() - first[5, v]));
        Assert.True(max < 1e-4, $"max |padded - unpadded| = {max}");
    }

    private static double MaxDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
