using Aligner.Checkpoints;
using Aligner.Generation;
using Aligner.Tokenization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace Aligner.Backends.Onnx;

/// <summary>
/// A causal decoder run by ONNX Runtime: any ONNX model with Hugging Face's KV-cache interface (exported by
/// <see cref="OnnxExporter"/> or elsewhere). One <see cref="InferenceSession"/> serves every generation session
/// concurrently; each generation owns its KV cache.
/// </summary>
public sealed class OnnxDecoderModel : IDecoderModel
{
    private readonly OnnxDecoderRuntime _runtime;
    private bool _disposed;

    /// <summary>Opens an ONNX decoder.</summary>
    /// <param name="modelPath">The <c>.onnx</c> file (external data files beside it).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="contextLength">Most positions the model supports.</param>
    /// <param name="eosTokenIds">Ids that end generation (empty: the tokenizer's EOS).</param>
    /// <param name="options">Backend options (execution provider, threads, optimisation level).</param>
    /// <param name="logger">Receives the execution provider choice and fallbacks.</param>
    /// <exception cref="ModelFormatException">The file is missing, not a valid ONNX model, or lacks the decoder inputs and outputs.</exception>
    public OnnxDecoderModel(string modelPath, ITextTokenizer tokenizer, int contextLength, IReadOnlyList<int> eosTokenIds,
        OnnxBackendOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        options ??= new OnnxBackendOptions();
        options.Validate();
        logger ??= NullLogger.Instance;
        if (!File.Exists(modelPath)) throw new ModelFormatException(modelPath, null, "the ONNX model file does not exist.");

        Tokenizer = tokenizer;
        ContextLength = contextLength;
        EosTokenIds = eosTokenIds.Count > 0 ? [.. eosTokenIds] : tokenizer.EosTokenId is { } eos ? [eos] : [];
        ModelId = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(modelPath))) ?? Path.GetFileNameWithoutExtension(modelPath);

        _runtime = new OnnxDecoderRuntime(modelPath, options, logger);
        if (_runtime.Signature.VocabularySize < tokenizer.VocabularySize)
        {
            _runtime.Dispose();
            throw new ModelFormatException(modelPath, OnnxDecoderSignature.Logits,
                $"has {_runtime.Signature.VocabularySize} logits per position but the tokenizer has {tokenizer.VocabularySize} tokens.");
        }
    }

    /// <summary>
    /// Loads an ONNX decoder folder: the model (<see cref="OnnxBackendOptions.ModelFileName"/>), its tokenizer
    /// (<c>tokenizer.json</c> or <c>tokenizer.model</c>), and the context length and EOS ids from <c>genai_config.json</c>,
    /// else <c>config.json</c> / <c>generation_config.json</c>. Folders written by <see cref="OnnxExporter"/> and by
    /// Hugging Face Optimum both load.
    /// </summary>
    /// <exception cref="ModelFormatException">A file is missing or malformed, or the model lacks a decoder input or output (named).</exception>
    public static OnnxDecoderModel Load(string folder, OnnxBackendOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= new OnnxBackendOptions();
        options.Validate();
        if (!Directory.Exists(folder)) throw new ModelFormatException(folder, null, "the model folder does not exist.");
        var info = OnnxModelFolder.Read(folder);
        var tokenizer = TokenizerLoader.Load(folder);
        // The tokenizer's ids are all within the logits (the constructor checks), so the tokenizer bounds the marker.
        int? keep = KeepMarker.Resolve(KeepMarker.ReadDeclaredToken(folder), tokenizer, tokenizer.VocabularySize, Path.Combine(folder, CheckpointFolder.ConfigFileName));
        return new OnnxDecoderModel(Path.Combine(folder, options.ModelFileName), tokenizer, options.ContextLength ?? info.ContextLength,
            info.EosTokenIds, options, logger) { KeepTokenId = keep };
    }

    /// <inheritdoc />
    public string ModelId { get; }

    /// <inheritdoc />
    public string Backend => "onnx";

    /// <inheritdoc />
    public ITextTokenizer Tokenizer { get; }

    /// <inheritdoc />
    public int ContextLength { get; }

    /// <inheritdoc />
    public int VocabularySize => _runtime.Signature.VocabularySize;

    /// <inheritdoc />
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>The execution provider in use (CPU when CUDA was asked for but could not start).</summary>
    public OnnxExecutionProvider ExecutionProvider => _runtime.ExecutionProvider;

    /// <summary>Number of decoder layers (KV-cache pairs).</summary>
    public int LayerCount => _runtime.Signature.LayerCount;

    /// <inheritdoc />
    public int? KeepTokenId { get; init; }

    /// <inheritdoc />
    /// <remarks>Runs stop inside a forward pass (through <see cref="RunOptions.Terminate"/>) when <paramref name="cancellationToken"/> fires.</remarks>
    public IDecoderSession StartSession(int batchSize, int maxSequenceLength, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 1);
        // Left padding can take a batch's slots past the context; no row's real positions go past it.
        if (maxSequenceLength > 2 * ContextLength)
            throw new ArgumentOutOfRangeException(nameof(maxSequenceLength), $"{maxSequenceLength} exceeds twice the context length {ContextLength}.");
        return _runtime.StartSession(batchSize, maxSequenceLength, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _runtime.Dispose();
    }
}
