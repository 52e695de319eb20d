namespace Aligner.Benchmarks.Measurement;

/// <summary>Something that decodes token ids and can be timed: a backend's decoder model or llama.cpp.</summary>
public interface IDecodeSubject : IDisposable
{
    /// <summary>The name shown in reports, e.g. <c>torch</c> or <c>llama.cpp f16</c>.</summary>
    string Name { get; }

    /// <summary>Bytes of weights read to decode one token at batch 1 (every matrix once; the embedding table once when tied, else only the output head).</summary>
    long WeightBytesPerToken { get; }

    /// <summary>Seconds to prefill <paramref name="prompt"/> (batch 1) into an empty cache, logits of the last position included.</summary>
    double PrefillSeconds(IReadOnlyList<int> prompt);

    /// <summary>
    /// Prefills each of <paramref name="prompts"/> (all the same length, decoded together as one batch), then times
    /// <paramref name="steps"/> greedy decoding steps of the whole batch; returns the seconds of the steps only.
    /// </summary>
    double DecodeSeconds(IReadOnlyList<int[]> prompts, int steps);
}
