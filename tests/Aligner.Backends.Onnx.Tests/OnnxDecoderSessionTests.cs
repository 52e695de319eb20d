using Aligner.Generation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace Aligner.Backends.Onnx.Tests;

public sealed class OnnxDecoderSessionTests
{
    internal static int[] Greedy(OnnxDecoderRuntime runtime, int[] prompt, int newTokens)
    {
        int v = runtime.Signature.VocabularySize;
        var logits = new float[v];
        var generated = new List<int>();
        using var session = runtime.StartSession(1, prompt.Length + newTokens, CancellationToken.None);
        session.Prefill(prompt, [.. prompt.Select(_ => 1)], prompt.Length, logits);
        for (int i = 0; i < newTokens; i++)
        {
            int token = TokenSampler.ArgMax(logits);
            generated.Add(token);
            if (i < newTokens - 1) session.Step([token], logits);
        }
        return [.. generated];
    }

    [Theory]
    [InlineData("llama", 512)]
    [InlineData("gemma", 512)]
    [InlineData("mistral", 3)]
    [InlineData("qwen2", 1)]
    public void Left_padded_batch_rows_match_single_sequence_runs(string architecture, int prefillChunk)
    {
        using var temp = new TempFolder();
        var config = TinyCheckpoint.Config(architecture);
        // The portable graph (Hugging Face's layout: left padding, position_ids); ContribExportTests covers the default one.
        var export = OnnxExporter.Export(TinyCheckpoint.Write(config, seed: 3, folder: temp.Sub("ckpt")), temp.Sub("onnx"),
            new OnnxExportOptions { Operators = OnnxOperators.Portable });
        using var runtime = new OnnxDecoderRuntime(export.ModelPath, new OnnxBackendOptions { PrefillChunkLength = prefillChunk }, NullLogger.Instance);
        Assert.False(runtime.SharesCache);
        using var raw = new InferenceSession(export.ModelPath);
        var runner = new RawDecoderRunner(raw, config.NumHiddenLayers, config.NumKeyValueHeads, config.HeadDim);
        int v = config.VocabSize;

        int[] longPrompt = [1, 30, 31, 32, 33, 34, 35];
        int[] shortPrompt = [1, 50, 51, 52];
        int[] steps0 = [60, 61, 62], steps1 = [70, 71, 72];
        int length = longPrompt.Length, pad = length - shortPrompt.Length;
        int[] tokens = [.. longPrompt, .. Enumerable.Repeat(0, pad), .. shortPrompt];
        int[] mask = [.. longPrompt.Select(_ => 1), .. Enumerable.Repeat(0, pad), .. shortPrompt.Select(_ => 1)];

        var logits = new float[2 * v];
        using var session = runtime.StartSession(2, length + steps0.Length, CancellationToken.None);
        session.Prefill(tokens, mask, length, logits);
        var expected0 = Reference(runner, longPrompt, steps0, v);
        var expected1 = Reference(runner, shortPrompt, steps1, v);
        OnnxExportTests.AssertClose(expected0[0], logits.AsSpan(0, v), 1e-4f);
        OnnxExportTests.AssertClose(expected1[0], logits.AsSpan(v, v), 1e-4f);
        for (int s = 0; s < steps0.Length; s++)
        {
            session.Step([steps0[s], steps1[s]], logits);
            OnnxExportTests.AssertClose(expected0[s + 1], logits.AsSpan(0, v), 1e-4f);
            OnnxExportTests.AssertClose(expected1[s + 1], logits.AsSpan(v, v), 1e-4f);
        }
    }

    /// <summary>Last-position logits after the prompt and after each appended token, from one full pass each.</summary>
    private static float[][] Reference(RawDecoderRunner runner, int[] prompt, int[] appended, int v)
    {
        var result = new float[appended.Length + 1][];
        for (int k = 0; k <= appended.Length; k++)
        {
            long[] ids = [.. prompt.Select(t => (long)t), .. appended.Take(k).Select(t => (long)t)];
            var output = runner.Run(ids, [.. ids.Select(_ => 1L)], [.. Enumerable.Range(0, ids.Length).Select(i => (long)i)], null);
            result[k] = output.Logits.AsSpan((ids.Length - 1) * v, v).ToArray();
        }
        return result;
    }

    [Fact]
    public void Cancellation_terminates_the_session()
    {
        using var temp = new TempFolder();
        var export = OnnxExporter.Export(TinyCheckpoint.Write(TinyCheckpoint.Config("qwen2"), seed: 4, folder: temp.Sub("ckpt")), temp.Sub("onnx"));
        using var runtime = new OnnxDecoderRuntime(export.ModelPath, new OnnxBackendOptions(), NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var logits = new float[runtime.Signature.VocabularySize];
        using var session = runtime.StartSession(1, 16, cts.Token);
        session.Prefill([1, 2, 3], [1, 1, 1], 3, logits);
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => session.Step([4], logits));
    }

    [Fact]
    public void Threads_that_sleep_instead_of_spinning_decode_the_same_tokens()
    {
        using var temp = new TempFolder();
        var export = OnnxExporter.Export(TinyCheckpoint.Write(TinyCheckpoint.Config("llama"), seed: 4, folder: temp.Sub("ckpt")), temp.Sub("onnx"));
        using var spinning = new OnnxDecoderRuntime(export.ModelPath, new OnnxBackendOptions { IntraOpThreads = 2 }, NullLogger.Instance);
        using var sleeping = new OnnxDecoderRuntime(export.ModelPath, new OnnxBackendOptions { IntraOpThreads = 2, AllowSpinning = false }, NullLogger.Instance);
        int[] prompt = [5, 9, 13, 2, 7];
        Assert.Equal(Greedy(spinning, prompt, 6), Greedy(sleeping, prompt, 6));
    }

    [Fact]
    public void Cancellation_during_a_run_terminates_it_through_the_run_options()
    {
        using var temp = new TempFolder();
        var config = Aligner.Checkpoints.DecoderConfig.Create("llama", 256, 512, 8, 4, 4, 64) with { MaxPositionEmbeddings = 8192, EosTokenIds = [2] };
        var export = OnnxExporter.Export(TinyCheckpoint.Write(config, seed: 6, folder: temp.Sub("ckpt")), temp.Sub("onnx"));
        const int length = 4000; // attention over 4000² positions × 8 layers in one run: about a second on one idle thread
        using var runtime = new OnnxDecoderRuntime(export.ModelPath, new OnnxBackendOptions { IntraOpThreads = 1, PrefillChunkLength = length }, NullLogger.Instance);
        var tokens = Enumerable.Range(0, length).Select(i => 3 + i % 60).ToArray();
        var logits = new float[runtime.Signature.VocabularySize];
        using var cts = new CancellationTokenSource();
        using var session = runtime.StartSession(1, length, cts.Token);
        // A dedicated thread cancels, not CancelAfter's timer: with the other test classes running in parallel the thread
        // pool can be too busy to fire a timer before the run ends (seen once in CI: no cancellation at all in 2 s).
        var canceller = new Thread(() => { Thread.Sleep(20); cts.Cancel(); }) { IsBackground = true };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        canceller.Start();
        var e = Assert.ThrowsAny<OperationCanceledException>(() => session.Prefill(tokens, Enumerable.Repeat(1, length).ToArray(), length, logits));
        canceller.Join();
        // A cancellation seen before the run would carry no inner exception: this one stopped ONNX Runtime mid-run.
        Assert.IsType<OnnxRuntimeException>(e.InnerException);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
    }
}
