using Microsoft.ML.OnnxRuntime;

namespace Aligner.Backends.Onnx;

/// <summary>Options of <see cref="OnnxSentenceEncoder"/>. The encoder runs on the CPU execution provider.</summary>
public sealed class OnnxSentenceEncoderOptions
{
    /// <summary>
    /// Most tokens of one text, <c>[CLS]</c> and <c>[SEP]</c> included: longer texts keep their first
    /// <c>MaxSequenceLength - 2</c> word pieces. <see langword="null"/> (default): the folder's
    /// <c>sentence_bert_config.json</c> <c>max_seq_length</c> when present, else 256, the window all-MiniLM-L6-v2 was
    /// trained with and the one sentence-transformers applies to it.
    /// </summary>
    public int? MaxSequenceLength { get; set; }

    /// <summary>Texts run through the model in one batch (padded to the longest of the batch). Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// The model's identity reported by <see cref="OnnxSentenceEncoder.ModelId"/> and the metadata.
    /// <see langword="null"/> (default): <c>sentence-transformers/all-MiniLM-L6-v2</c> for the MiniLM package, the
    /// folder's name for a folder.
    /// </summary>
    public string? ModelId { get; set; }

    /// <summary>Threads inside one operator (0: ONNX Runtime's default, one per physical core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Threads running independent operators in parallel (0: ONNX Runtime's default).</summary>
    public int InterOpThreads { get; set; }

    /// <summary>Graph optimisation level. Default <see cref="GraphOptimizationLevel.ORT_ENABLE_ALL"/>.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin after an embedding call waiting for more work (ONNX Runtime's
    /// default, <see langword="true"/>). <see langword="false"/> makes them sleep at once: on 2 cores an embedding of a
    /// question/answer pair then takes about 6.5 ms instead of 4.3 ms, in exchange for leaving the cores free at once.
    /// </summary>
    public bool AllowSpinning { get; set; } = true;

    /// <summary>
    /// Whether <see cref="OnnxSentenceEncoder.LoadMiniLm"/> rewrites the package's embedded model once into a file cache
    /// with its weights as ONNX external data, which ONNX Runtime memory-maps instead of copying (default
    /// <see langword="true"/>). Opening all-MiniLM-L6-v2 then takes about 0.1–0.3 s instead of about 1.7 s from the
    /// embedded bytes (2-core VM, where filling fresh memory is most of the old cost). The first load writes the entry
    /// (about 91 MB); when the cache cannot be written the model is loaded from memory as before and a warning is
    /// logged. The embeddings are the same either way. A folder's model (<see cref="OnnxSentenceEncoder.Load"/>) is
    /// opened from its own file: save it with external data for the same effect.
    /// </summary>
    public bool UseFileCache { get; set; } = true;

    /// <summary>
    /// The file cache's root folder. <see langword="null"/> (default): the <c>encoders</c> folder of
    /// <see cref="AlignerCacheDirectory.Root"/> (<c>$ALIGNER_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/aligner</c>, else
    /// <c>~/.cache/aligner</c>). An entry is keyed by the package DLL's module version id, so every copy of the same DLL
    /// shares it; deleting the folder is always safe.
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// Whether ONNX Runtime pre-packs the weight matrices at load (its default, <see langword="true"/>). Pre-packing
    /// copies every matrix into fresh memory (about 0.2 s for all-MiniLM-L6-v2 here) and makes a single-pair embedding
    /// about 2 ms faster (3.5 against 5.6 ms); batched embeddings are as fast either way. A one-shot command loses more
    /// than it gains: the CLI's <c>correct</c> and <c>eval</c> turn it off, <c>serve</c> keeps it.
    /// </summary>
    public bool PrepackWeights { get; set; } = true;

    /// <summary>A copy of these options with <see cref="ModelId"/> set.</summary>
    internal OnnxSentenceEncoderOptions WithModelId(string? modelId)
    {
        var copy = (OnnxSentenceEncoderOptions)MemberwiseClone();
        copy.ModelId = modelId;
        return copy;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxSequenceLength is < 2) throw new ArgumentException("MaxSequenceLength must be at least 2 ([CLS] and [SEP]).", nameof(MaxSequenceLength));
        if (BatchSize < 1) throw new ArgumentException("BatchSize must be at least 1.", nameof(BatchSize));
        if (ModelId is not null && string.IsNullOrWhiteSpace(ModelId)) throw new ArgumentException("ModelId must be null or a name.", nameof(ModelId));
        if (IntraOpThreads < 0) throw new ArgumentException("IntraOpThreads must be 0 (default) or more.", nameof(IntraOpThreads));
        if (InterOpThreads < 0) throw new ArgumentException("InterOpThreads must be 0 (default) or more.", nameof(InterOpThreads));
        if (CacheDirectory is not null && string.IsNullOrWhiteSpace(CacheDirectory)) throw new ArgumentException("CacheDirectory must be null (the default location) or a folder.", nameof(CacheDirectory));
    }
}
