namespace Aligner.Generation;

/// <summary>
/// Picks the next token from a row of logits following <see cref="GenerationOptions"/>, in Hugging Face's order:
/// repetition penalty, frequency penalty, temperature, top-k, top-p, then a draw (or argmax when greedy).
/// One sampler per sequence; not thread-safe.
/// </summary>
public sealed class TokenSampler
{
    private readonly GenerationOptions _options;
    private readonly Random _random;
    private readonly HashSet<int> _seen = [];
    private readonly Dictionary<int, int> _generatedCounts = [];
    private int[] _order = [];
    private float[] _probabilities = [];

    /// <summary>Creates a sampler.</summary>
    /// <param name="options">The options (validated by the caller).</param>
    /// <param name="promptTokens">The prompt's ids: the repetition penalty applies to them too.</param>
    /// <param name="seed">Seed of this sequence's random stream.</param>
    public TokenSampler(GenerationOptions options, IEnumerable<int> promptTokens, int seed)
    {
        _options = options;
        _random = new Random(seed);
        if (options.RepetitionPenalty != 1f) _seen.UnionWith(promptTokens);
    }

    /// <summary>Records a generated token (for the penalties).</summary>
    public void Accept(int token)
    {
        if (_options.RepetitionPenalty != 1f) _seen.Add(token);
        _generatedCounts[token] = _generatedCounts.GetValueOrDefault(token) + 1;
    }

    /// <summary>Chooses the next token. <paramref name="logits"/> is modified in place.</summary>
    public int Sample(Span<float> logits)
    {
        float rp = _options.RepetitionPenalty;
        if (rp != 1f)
            foreach (int t in _seen)
                if ((uint)t < (uint)logits.Length) logits[t] = logits[t] > 0 ? logits[t] / rp : logits[t] * rp;
        float fp = _options.FrequencyPenalty;
        if (fp != 0f)
            foreach (var (t, count) in _generatedCounts)
                if ((uint)t < (uint)logits.Length) logits[t] -= fp * count;

        if (_options.IsGreedy) return ArgMax(logits);

        int vocab = logits.Length;
        int k = _options.TopK > 0 ? Math.Min(_options.TopK, vocab) : vocab;
        if (_order.Length < vocab) { _order = new int[vocab]; _probabilities = new float[vocab]; }

        // The k best candidates, best first (ties: lower id first, as a stable sort would give).
        int n = SelectTop(logits, k, _order);
        float invT = 1f / _options.Temperature;
        float max = logits[_order[0]];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float p = MathF.Exp((logits[_order[i]] - max) * invT);
            _probabilities[i] = p;
            sum += p;
        }
        // Nucleus: keep the smallest prefix whose probability reaches top_p (at least one token).
        if (_options.TopP < 1f)
        {
            double cumulative = 0;
            int keep = n;
            for (int i = 0; i < n; i++)
            {
                cumulative += _probabilities[i] / sum;
                if (cumulative >= _options.TopP) { keep = i + 1; break; }
            }
            n = keep;
            sum = 0;
            for (int i = 0; i < n; i++) sum += _probabilities[i];
        }
        double r = _random.NextDouble() * sum;
        for (int i = 0; i < n; i++)
        {
            r -= _probabilities[i];
            if (r < 0) return _order[i];
        }
        return _order[n - 1];
    }

    /// <summary>Index of the largest value; the first one on ties (like <c>torch.argmax</c>). NaN never wins.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        float bestValue = float.NegativeInfinity;
        for (int i = 0; i < values.Length; i++)
            if (values[i] > bestValue) { bestValue = values[i]; best = i; }
        return best;
    }

    private static int SelectTop(ReadOnlySpan<float> logits, int k, int[] order)
    {
        if (k >= logits.Length)
        {
            for (int i = 0; i < logits.Length; i++) order[i] = i;
            var keys = logits.ToArray();
            Array.Sort(order, 0, logits.Length, Comparer<int>.Create((a, b) =>
            {
                int c = keys[b].CompareTo(keys[a]);
                return c != 0 ? c : a.CompareTo(b);
            }));
            return logits.Length;
        }
        // Insertion into a sorted window of size k: O(V·k) worst case, fast for the small k used in practice.
        int count = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float v = logits[i];
            if (float.IsNaN(v)) continue;
            if (count == k && v <= logits[order[k - 1]]) continue;
            int pos = count < k ? count++ : k - 1;
            while (pos > 0 && logits[order[pos - 1]] < v) { order[pos] = order[pos - 1]; pos--; }
            order[pos] = i;
        }
        return Math.Max(count, 1);
    }
}
