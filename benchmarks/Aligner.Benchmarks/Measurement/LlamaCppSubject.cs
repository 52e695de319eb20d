using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Aligner.Benchmarks.Measurement;

/// <summary>llama.cpp (LLamaSharp's CPU backend) running a GGUF file, timed on the same token ids as the other backends.</summary>
public sealed class LlamaCppSubject : IDecodeSubject
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly int _batchCapacity;

    static LlamaCppSubject() => NativeLogConfig.llama_log_set((level, message) => { });

    /// <summary>Loads <paramref name="ggufPath"/> with a context of <paramref name="contextSize"/> positions shared by up to <paramref name="sequences"/> sequences.</summary>
    public LlamaCppSubject(string name, string ggufPath, long weightBytesPerToken, int threads, int contextSize, int sequences, int batchCapacity)
    {
        Name = name;
        WeightBytesPerToken = weightBytesPerToken;
        _batchCapacity = batchCapacity;
        var parameters = new ModelParams(ggufPath)
        {
            ContextSize = (uint)contextSize, GpuLayerCount = 0, Threads = threads, BatchThreads = threads,
            BatchSize = (uint)batchCapacity, UBatchSize = (uint)batchCapacity, SeqMax = (uint)sequences,
            // Unrelated sequences: each gets its own slice of the cache (contextSize / sequences positions) instead of
            // one cache all of them attend across, as llama.cpp's server does for independent requests.
            KVUnified = false,
        };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public long WeightBytesPerToken { get; }

    /// <inheritdoc />
    public double PrefillSeconds(IReadOnlyList<int> prompt)
    {
        if (prompt.Count > _batchCapacity) throw new ArgumentException($"The prompt ({prompt.Count}) exceeds the batch capacity ({_batchCapacity}).", nameof(prompt));
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        for (int i = 0; i < prompt.Count; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, logits: i == prompt.Count - 1);
        var watch = Stopwatch.StartNew();
        Check(_context.NativeHandle.Decode(batch));
        _context.NativeHandle.Synchronize();
        return watch.Elapsed.TotalSeconds;
    }

    /// <inheritdoc />
    public double DecodeSeconds(IReadOnlyList<int[]> prompts, int steps)
    {
        _context.NativeHandle.MemoryClear(true);
        int length = prompts[0].Length;
        var batch = new LLamaBatch();
        var logitIndex = new int[prompts.Count];
        for (int s = 0; s < prompts.Count; s++)
        {
            batch.Clear();
            for (int i = 0; i < length; i++) batch.Add(prompts[s][i], i, (LLamaSeqId)s, logits: i == length - 1);
            Check(_context.NativeHandle.Decode(batch));
            // Each prompt is decoded alone; read its greedy token now.
            logitIndex[s] = ArgMax(_context.NativeHandle.GetLogitsIth(length - 1));
        }
        var next = logitIndex;
        var watch = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++)
        {
            batch.Clear();
            for (int s = 0; s < prompts.Count; s++) batch.Add(next[s], length + step, (LLamaSeqId)s, logits: true);
            Check(_context.NativeHandle.Decode(batch));
            for (int s = 0; s < prompts.Count; s++) next[s] = ArgMax(_context.NativeHandle.GetLogitsIth(s));
        }
        return watch.Elapsed.TotalSeconds;
    }

    private static int ArgMax(ReadOnlySpan<float> values) => DecoderModelSubject.ArgMax(values);

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode failed: {result}.");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
