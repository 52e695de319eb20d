using Aligner.Tokenization;

namespace Aligner.Generation;

/// <summary>
/// A causal language model that a backend runs: the part of a backend that differs between TorchSharp and
/// ONNX Runtime. The generation loop (<see cref="DecoderCorrectionModel"/>) is shared, so both backends sample,
/// stop and stream identically. Implementations must allow several sessions at once (one per request).
/// </summary>
public interface IDecoderModel : IDisposable
{
    /// <summary>A name for the model (usually the checkpoint folder's name).</summary>
    string ModelId { get; }

    /// <summary>The backend's short name, e.g. <c>torch</c> or <c>onnx</c>.</summary>
    string Backend { get; }

    /// <summary>The tokenizer of the checkpoint.</summary>
    ITextTokenizer Tokenizer { get; }

    /// <summary>Most positions the model supports (<c>max_position_embeddings</c>).</summary>
    int ContextLength { get; }

    /// <summary>Width of the logits (may exceed the tokenizer's vocabulary when the embedding is padded).</summary>
    int VocabularySize { get; }

    /// <summary>Token ids that end generation (from <c>generation_config.json</c>, else the tokenizer's EOS).</summary>
    IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>
    /// The token a corrector emits first to keep the answer unchanged (<c>aligner_keep_token</c>), or
    /// <see langword="null"/> when the checkpoint declares none (see <see cref="KeepMarker"/>).
    /// </summary>
    int? KeepTokenId => null;

    /// <summary>Starts a generation session with its own KV cache.</summary>
    /// <param name="batchSize">Sequences decoded together.</param>
    /// <param name="maxSequenceLength">
    /// Most cache slots any row will use: the longest prompt plus the most steps (left padding included, so it may
    /// exceed <see cref="ContextLength"/> in a batch of unequal prompts; no row's real positions do).
    /// </param>
    /// <param name="cancellationToken">Stops the session's work, inside a forward pass where the backend can.</param>
    IDecoderSession StartSession(int batchSize, int maxSequenceLength, CancellationToken cancellationToken = default);
}

/// <summary>
/// One generation's state (its KV cache). Not thread-safe; one request owns it. Dispose to free the cache.
/// </summary>
public interface IDecoderSession : IDisposable
{
    /// <summary>
    /// Runs the prompts. <paramref name="tokens"/> is row-major <c>[batch, length]</c>, left-padded;
    /// <paramref name="attentionMask"/> has 1 for real tokens and 0 for padding. Position ids count real tokens only.
    /// Writes the logits of each row's last position into <paramref name="logits"/> (<c>[batch, vocab]</c>).
    /// </summary>
    void Prefill(ReadOnlySpan<int> tokens, ReadOnlySpan<int> attentionMask, int length, Span<float> logits);

    /// <summary>
    /// Appends one token per row and writes the next logits (<c>[batch, vocab]</c>).
    /// Rows that have finished still receive a token (the caller passes padding); their logits are ignored.
    /// </summary>
    void Step(ReadOnlySpan<int> nextTokens, Span<float> logits);
}
