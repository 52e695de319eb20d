using System.Diagnostics;
using Aligner.Generation;

namespace Aligner.Benchmarks.Measurement;

/// <summary>Times an <see cref="IDecoderModel"/> (the Torch or ONNX backend) through its sessions, as the generation loop drives it.</summary>
public sealed class DecoderModelSubject(string name, IDecoderModel model, long weightBytesPerToken) : IDecodeSubject
{
    /// <inheritdoc />
    public string Name => name;

    /// <summary>The model timed.</summary>
    public IDecoderModel Model => model;

    /// <inheritdoc />
    public long WeightBytesPerToken => weightBytesPerToken;

    /// <inheritdoc />
    public double PrefillSeconds(IReadOnlyList<int> prompt)
    {
        var logits = new float[model.VocabularySize];
        var mask = Enumerable.Repeat(1, prompt.Count).ToArray();
        var ids = prompt.ToArray();
        using var session = model.StartSession(1, prompt.Count);
        var watch = Stopwatch.StartNew();
        session.Prefill(ids, mask, prompt.Count, logits);
        return watch.Elapsed.TotalSeconds;
    }

    /// <inheritdoc />
    public double DecodeSeconds(IReadOnlyList<int[]> prompts, int steps) => Generate(model, prompts, steps).DecodeSeconds;

    /// <summary>Prefills a batch and decodes <paramref name="steps"/> greedy tokens; returns both times.</summary>
    public static (double PrefillSeconds, double DecodeSeconds) Generate(IDecoderModel model, IReadOnlyList<int[]> prompts, int steps)
    {
        int batch = prompts.Count, length = prompts[0].Length, vocab = model.VocabularySize;
        var tokens = new int[batch * length];
        for (int b = 0; b < batch; b++) prompts[b].CopyTo(tokens, b * length);
        var mask = Enumerable.Repeat(1, tokens.Length).ToArray();
        var logits = new float[batch * vocab];
        var next = new int[batch];
        using var session = model.StartSession(batch, length + steps);
        var watch = Stopwatch.StartNew();
        session.Prefill(tokens, mask, length, logits);
        double prefill = watch.Elapsed.TotalSeconds;
        watch.Restart();
        for (int s = 0; s < steps; s++)
        {
            for (int b = 0; b < batch; b++) next[b] = ArgMax(logits.AsSpan(b * vocab, vocab));
            session.Step(next, logits);
        }
        return (prefill, watch.Elapsed.TotalSeconds);
    }

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
}
