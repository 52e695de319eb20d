using Aligner.Backends.Torch.Modeling;
using Aligner.Generation;
using Aligner.Tokenization;

namespace Aligner.Backends.Torch;

/// <summary>
/// A loaded <see cref="CausalLanguageModel"/> and its tokenizer, as the shared generation loop needs it.
/// The model's weights are shared and read-only; each <see cref="StartSession"/> allocates its own KV cache,
/// so concurrent requests are safe.
/// </summary>
public sealed class TorchDecoderModel : IDecoderModel
{
    private readonly bool _ownsModel;

    /// <summary>Wraps a model.</summary>
    /// <param name="model">The network.</param>
    /// <param name="tokenizer">The checkpoint's tokenizer.</param>
    /// <param name="eosTokenIds">Ids that end generation.</param>
    /// <param name="modelId">A name for the model.</param>
    /// <param name="ownsModel">Dispose the network with this object.</param>
    /// <param name="keepTokenId">The keep marker's id (see <see cref="KeepMarker"/>), if the checkpoint declares one.</param>
    public TorchDecoderModel(CausalLanguageModel model, ITextTokenizer tokenizer, IReadOnlyList<int> eosTokenIds, string modelId, bool ownsModel = true, int? keepTokenId = null)
    {
        KeepTokenId = keepTokenId;
        Network = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        EosTokenIds = eosTokenIds;
        ModelId = modelId;
        _ownsModel = ownsModel;
    }

    /// <summary>The network.</summary>
    public CausalLanguageModel Network { get; }

    /// <inheritdoc />
    public string ModelId { get; }

    /// <inheritdoc />
    public string Backend => "torch";

    /// <inheritdoc />
    public ITextTokenizer Tokenizer { get; }

    /// <inheritdoc />
    public int ContextLength => Network.Config.MaxPositionEmbeddings;

    /// <inheritdoc />
    public int VocabularySize => Network.Config.VocabSize;

    /// <inheritdoc />
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <inheritdoc />
    public int? KeepTokenId { get; }

    /// <inheritdoc />
    /// <remarks>Cancellation is checked between decoder layers.</remarks>
    public IDecoderSession StartSession(int batchSize, int maxSequenceLength, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 1);
        return new TorchDecoderSession(Network, batchSize, maxSequenceLength, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel) Network.Dispose();
    }
}
