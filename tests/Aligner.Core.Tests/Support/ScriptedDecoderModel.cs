using Aligner.Generation;
using Aligner.Tokenization;

namespace Aligner.Core.Tests.Support;

/// <summary>
/// A deterministic fake decoder over <see cref="CharTokenizer"/>. The logits of a row depend only on that row's real
/// tokens (padding is ignored through the attention mask): the script's continuation for the prompt gets a clear margin,
/// every other token a pseudo-random value from a hash of the row's history, so greedy decoding follows the script and
/// sampling is reproducible.
/// </summary>
internal sealed class ScriptedDecoderModel(Func<string, string> continuation, int contextLength = 4096, float margin = 8f) : IDecoderModel
{
    private readonly CharTokenizer _tokenizer = new();

    public string ModelId => "scripted-decoder";
    public string Backend => "test";
    public ITextTokenizer Tokenizer => _tokenizer;
    public int ContextLength { get; } = contextLength;
    public int VocabularySize => 128;
    public IReadOnlyList<int> EosTokenIds => [CharTokenizer.Eos];

    /// <summary>Called after each Step with the number of steps taken so far by that session.</summary>
    public Action<int>? OnStep { get; set; }

    public int Steps => _steps;
    private int _steps;

    public IDecoderSession StartSession(int batchSize, int maxSequenceLength, CancellationToken cancellationToken = default) => new Session(this, batchSize);

    public void Dispose() { }

    private void Fill(List<int> history, int promptLength, Span<float> logits)
    {
        var prompt = new string([.. history.Take(promptLength).Where(t => t > CharTokenizer.Eos).Select(t => (char)t)]);
        var target = continuation(prompt);
        int generated = history.Count - promptLength;
        int expected = generated < target.Length ? target[generated] : CharTokenizer.Eos;
        ulong h = 14695981039346656037UL;
        foreach (int t in history) h = (h ^ (ulong)t) * 1099511628211UL;
        for (int v = 0; v < logits.Length; v++)
        {
            ulong x = (h ^ (ulong)v * 0x9E3779B97F4A7C15UL) * 0xBF58476D1CE4E5B9UL;
            x ^= x >> 31;
            logits[v] = (x % 10_000) / 10_000f * 2f;
        }
        logits[CharTokenizer.Pad] = -100f;
        logits[CharTokenizer.Bos] = -100f;
        logits[expected] = margin;
    }

    private sealed class Session(ScriptedDecoderModel model, int batch) : IDecoderSession
    {
        private readonly List<int>[] _rows = [.. Enumerable.Range(0, batch).Select(_ => new List<int>())];
        private readonly int[] _promptLengths = new int[batch];
        private int _steps;

        public void Prefill(ReadOnlySpan<int> tokens, ReadOnlySpan<int> attentionMask, int length, Span<float> logits)
        {
            for (int b = 0; b < batch; b++)
            {
                for (int i = 0; i < length; i++)
                    if (attentionMask[b * length + i] == 1) _rows[b].Add(tokens[b * length + i]);
                _promptLengths[b] = _rows[b].Count;
                model.Fill(_rows[b], _promptLengths[b], logits.Slice(b * 128, 128));
            }
        }

        public void Step(ReadOnlySpan<int> nextTokens, Span<float> logits)
        {
            for (int b = 0; b < batch; b++)
            {
                _rows[b].Add(nextTokens[b]);
                model.Fill(_rows[b], _promptLengths[b], logits.Slice(b * 128, 128));
            }
            Interlocked.Increment(ref model._steps);
            model.OnStep?.Invoke(++_steps);
        }

        public void Dispose() { }
    }
}
