using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;

namespace Aligner.LlamaCpp.Tests;

/// <summary>The Torch backend's greedy decoding and logits for the same checkpoint, through its <see cref="TorchDecoderSession"/>.</summary>
internal sealed class TorchReference : IDisposable
{
    private readonly CausalLanguageModel _model;

    public TorchReference(string checkpointFolder)
    {
        TorchRuntime.EnsureInitialized();
        _model = CausalLanguageModel.Load(checkpointFolder);
    }

    public int VocabSize => _model.Config.VocabSize;

    public float[] LastLogits(IReadOnlyList<int> prompt)
    {
        using var session = new TorchDecoderSession(_model, 1, prompt.Count);
        var logits = new float[VocabSize];
        session.Prefill(prompt.ToArray(), Enumerable.Repeat(1, prompt.Count).ToArray(), prompt.Count, logits);
        return logits;
    }

    public int[] Greedy(IReadOnlyList<int> prompt, int count)
    {
        using var session = new TorchDecoderSession(_model, 1, prompt.Count + count);
        var logits = new float[VocabSize];
        session.Prefill(prompt.ToArray(), Enumerable.Repeat(1, prompt.Count).ToArray(), prompt.Count, logits);
        var result = new int[count];
        for (int n = 0; n < count; n++)
        {
            result[n] = LlamaCppModel.ArgMax(logits);
            if (n + 1 < count) session.Step([result[n]], logits);
        }
        return result;
    }

    public void Dispose() => _model.Dispose();
}
