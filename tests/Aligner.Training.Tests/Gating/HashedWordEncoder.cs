using Microsoft.Extensions.AI;

namespace Aligner.Training.Tests.Gating;

/// <summary>
/// A stand-in sentence encoder for the gate and tone trainers' tests: each word maps to a fixed random direction (seeded
/// by the word), a text to the normalised sum; counts the texts it embeds.
/// </summary>
internal sealed class HashedWordEncoder(string modelId = "test/hashed-words", int dimensions = 24) : IEmbeddingGenerator<string, Embedding<float>>
{
    public int Texts;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values.ToList();
        Interlocked.Add(ref Texts, list.Count);
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(list.Select(Embed)));
    }

    private Embedding<float> Embed(string text)
    {
        var v = new float[dimensions];
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var rng = new Random(word.Aggregate(17, (h, c) => h * 31 + c)); // a fixed direction per word
            for (int i = 0; i < dimensions; i++) v[i] += (float)(rng.NextDouble() - 0.5);
        }
        float norm = MathF.Sqrt(v.Sum(x => x * x));
        return new Embedding<float>(v.Select(x => x / norm).ToArray());
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, modelId, dimensions) : null;

    public void Dispose() { }
}
