using Microsoft.Extensions.Logging;

namespace Aligner.Backends.Onnx.Tests.Embeddings;

/// <summary>
/// The MiniLM encoder's file cache: the package's model rewritten once with external data (memory-mapped by ONNX
/// Runtime), the same embeddings as from the embedded bytes, damaged entries rebuilt, an unwritable cache tolerated.
/// </summary>
[Collection(MiniLmCollection.Name)]
public sealed class EncoderFileCacheTests(MiniLmFixture fixture) : IDisposable
{
    private readonly TempFolder _temp = new("aligner-encoder-cache-");
    private static readonly string[] Texts = ["The capital of France is Paris.", "How do I report a phishing e-mail to my bank?", ""];

    public void Dispose() => _temp.Dispose();

    private static OnnxSentenceEncoderOptions Options(string? cache, bool useCache = true, bool prepack = true) => new()
    {
        IntraOpThreads = 1, InterOpThreads = 1, CacheDirectory = cache, UseFileCache = useCache, PrepackWeights = prepack,
    };

    private void AssertSameEmbeddings(OnnxSentenceEncoder encoder)
    {
        var expected = fixture.Encoder.Embed(Texts);
        var actual = encoder.Embed(Texts);
        for (int i = 0; i < Texts.Length; i++)
            Assert.True(MiniLmFixture.Cosine(expected[i], actual[i]) >= 0.999999, $"text {i}: cosine {MiniLmFixture.Cosine(expected[i], actual[i])}");
    }

    [Fact]
    public void The_first_load_writes_an_entry_with_external_weights_and_later_loads_open_it()
    {
        string root = _temp.Sub("cache");
        var logger = new ListLogger();
        string folder;
        using (var first = OnnxSentenceEncoder.LoadMiniLm(options: Options(root), logger: logger))
        {
            folder = Assert.IsType<string>(first.CacheFolder);
            Assert.StartsWith(root, folder);
            AssertSameEmbeddings(first);
        }
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("Cached the sentence encoder"));
        // The graph is small; the weights live in the data file, at 64 KiB-aligned offsets ONNX Runtime can map.
        Assert.True(new FileInfo(Path.Combine(folder, "model.onnx")).Length < 1 << 20);
        Assert.True(new FileInfo(Path.Combine(folder, EncoderFileCache.DataFileName)).Length > 80L << 20);
        Assert.True(File.Exists(Path.Combine(folder, "vocab.txt")));
        Assert.DoesNotContain(Directory.GetDirectories(root), d => Path.GetFileName(d).StartsWith('.')); // no temporary left

        var stamp = File.GetLastWriteTimeUtc(Path.Combine(folder, EncoderFileCache.DataFileName));
        var second = new ListLogger();
        using (var again = OnnxSentenceEncoder.LoadMiniLm(options: Options(root, prepack: false), logger: second))
        {
            Assert.Equal(folder, again.CacheFolder);
            AssertSameEmbeddings(again); // pre-packing off: the same embeddings
        }
        Assert.Empty(second.Entries);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(folder, EncoderFileCache.DataFileName)));
    }

    [Fact]
    public void A_damaged_entry_is_rebuilt()
    {
        string root = _temp.Sub("cache");
        string folder;
        using (var first = OnnxSentenceEncoder.LoadMiniLm(options: Options(root))) folder = first.CacheFolder!;
        using (var data = new FileStream(Path.Combine(folder, EncoderFileCache.DataFileName), FileMode.Open)) data.SetLength(data.Length / 2);
        Assert.Null(EncoderFileCache.TryGet(root, Path.GetFileName(folder)));

        using var rebuilt = OnnxSentenceEncoder.LoadMiniLm(options: Options(root));
        Assert.Equal(folder, rebuilt.CacheFolder);
        Assert.NotNull(EncoderFileCache.TryGet(root, Path.GetFileName(folder)));
        AssertSameEmbeddings(rebuilt);
    }

    [Fact]
    public void An_unwritable_cache_loads_from_memory_with_a_warning()
    {
        string blocker = _temp.Sub("a-file");
        File.WriteAllText(blocker, "not a folder");
        var logger = new ListLogger();
        using var encoder = OnnxSentenceEncoder.LoadMiniLm(options: Options(Path.Combine(blocker, "cache")), logger: logger);
        Assert.Null(encoder.CacheFolder);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Cannot cache the sentence encoder"));
        AssertSameEmbeddings(encoder);
    }

    [Fact]
    public void With_the_cache_off_nothing_is_written()
    {
        string root = _temp.Sub("cache");
        using var encoder = OnnxSentenceEncoder.LoadMiniLm(options: Options(root, useCache: false));
        Assert.Null(encoder.CacheFolder);
        Assert.False(Directory.Exists(root));
        AssertSameEmbeddings(encoder);
    }

    [Fact]
    public void A_blank_cache_directory_is_an_argument_error()
    {
        var e = Assert.Throws<ArgumentException>(() => OnnxSentenceEncoder.LoadMiniLm(options: Options(" ")));
        Assert.Equal("CacheDirectory", e.ParamName);
    }
}
