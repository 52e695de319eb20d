using LLama;
using LLama.Common;
using LLama.Native;

namespace Aligner.LlamaCpp.Tests;

/// <summary>A GGUF file loaded by llama.cpp (LLamaSharp CPU backend), fed token ids directly; the KV cache is kept in f32 so that only the weights differ.</summary>
internal sealed class LlamaCppModel : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;

    static LlamaCppModel() => NativeLogConfig.llama_log_set((level, message) => { });

    public LlamaCppModel(string path, int contextSize = 512)
    {
        var parameters = new ModelParams(path) { ContextSize = (uint)contextSize, GpuLayerCount = 0, Threads = 2, BatchSize = (uint)contextSize, UBatchSize = (uint)contextSize,
            TypeK = GGMLType.GGML_TYPE_F32, TypeV = GGMLType.GGML_TYPE_F32 };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    public int VocabSize => _weights.Vocab.Count;

    public int[] Tokenize(string text, bool addBos) => [.. _context.Tokenize(text, addBos, special: false).Select(t => (int)t)];

    /// <summary>Runs <paramref name="prompt"/> from an empty cache and returns the logits of every position.</summary>
    public float[][] AllLogits(IReadOnlyList<int> prompt)
    {
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        for (int i = 0; i < prompt.Count; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, logits: true);
        Check(_context.NativeHandle.Decode(batch));
        return [.. Enumerable.Range(0, prompt.Count).Select(i => _context.NativeHandle.GetLogitsIth(i).ToArray())];
    }

    /// <summary>Greedy decoding: the prompt, then <paramref name="count"/> tokens each fed back one at a time.</summary>
    public int[] Greedy(IReadOnlyList<int> prompt, int count)
    {
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        for (int i = 0; i < prompt.Count; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, logits: i == prompt.Count - 1);
        Check(_context.NativeHandle.Decode(batch));
        var result = new int[count];
        for (int n = 0; n < count; n++)
        {
            result[n] = ArgMax(_context.NativeHandle.GetLogitsIth(batch.TokenCount - 1));
            batch.Clear();
            batch.Add(result[n], prompt.Count + n, LLamaSeqId.Zero, logits: true);
            Check(_context.NativeHandle.Decode(batch));
        }
        return result;
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode failed: {result}.");
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
