using System.Runtime.InteropServices;
using Aligner.Backends.Torch.Modeling;
using Aligner.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch;

/// <summary>
/// One generation over a batch: a KV cache preallocated for the longest sequence, left-padded prompts
/// (position ids count real tokens only; padded keys are masked), then one token per row per step.
/// Runs under inference mode; temporary tensors are freed each call.
/// </summary>
public sealed class TorchDecoderSession : IDecoderSession
{
    private readonly CausalLanguageModel _model;
    private readonly int _batch;
    private readonly int _capacity;
    private readonly KeyValueCache _cache;
    private readonly Tensor _keyValid;
    private Tensor? _nextPositions;
    private readonly FusedDecodeStep? _fused;
    private long _position;
    private readonly CancellationToken _cancellationToken;
    private int _length;
    private bool _disposed;

    /// <summary>Allocates the session's cache.</summary>
    /// <param name="model">The network.</param>
    /// <param name="batchSize">Rows decoded together.</param>
    /// <param name="maxSequenceLength">Cache slots per row (left padding included).</param>
    /// <param name="cancellationToken">Checked between decoder layers: a cancelled session stops inside a forward pass.</param>
    public TorchDecoderSession(CausalLanguageModel model, int batchSize, int maxSequenceLength, CancellationToken cancellationToken = default)
    {
        _cancellationToken = cancellationToken;
        _model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 1);
        _batch = batchSize;
        _capacity = maxSequenceLength;
        var c = model.Config;
        model.ReserveRotary(maxSequenceLength);
        using var inference = inference_mode();
        _cache = new KeyValueCache(c.NumHiddenLayers, batchSize, c.NumKeyValueHeads, maxSequenceLength, c.HeadDim, model.DType, model.Device);
        _keyValid = zeros([batchSize, maxSequenceLength], ScalarType.Bool, model.Device);
        // A single sequence on the CPU decodes in managed code over the same weights and cache (no TorchSharp calls per op).
        _fused = FusedDecodeStep.TryCreate(model, _cache, batchSize);
    }

    /// <summary>Whether steps run the managed single-sequence step (<see cref="FusedDecodeStep"/>) rather than libtorch's layers.</summary>
    internal bool UsesFusedStep => _fused is not null;

    /// <summary>Positions written so far (prompt length plus steps).</summary>
    public int Length => _length;

    /// <inheritdoc />
    public void Prefill(ReadOnlySpan<int> tokens, ReadOnlySpan<int> attentionMask, int length, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_length != 0) throw new InvalidOperationException("Prefill was already called on this session.");
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (length > _capacity) throw new ArgumentOutOfRangeException(nameof(length), $"The prompt length {length} exceeds the session's capacity {_capacity}.");
        if (tokens.Length != _batch * length) throw new ArgumentException($"Expected {_batch} x {length} tokens, got {tokens.Length}.", nameof(tokens));
        if (attentionMask.Length != tokens.Length) throw new ArgumentException($"Expected {tokens.Length} mask entries, got {attentionMask.Length}.", nameof(attentionMask));
        CheckLogits(logits);
        var ids = ToIds(tokens);
        var mask = new bool[attentionMask.Length];
        for (int i = 0; i < mask.Length; i++) mask[i] = attentionMask[i] != 0;

        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var idTensor = tensor(ids, [_batch, length], ScalarType.Int64).to(_model.Device);
        var maskTensor = tensor(mask, [_batch, length]).to(_model.Device);
        var keyValid = _keyValid.narrow(1, 0, length);
        keyValid.copy_(maskTensor);
        var positions = CausalLanguageModel.PositionIds(maskTensor);
        using var masks = new AttentionMasks(keyValid, 0, length);
        var output = _model.Run(idTensor, positions, masks, _cache, 0, lastPositionOnly: true, _cancellationToken);
        CopyLogits(output, logits);
        _nextPositions = maskTensor.to(ScalarType.Int64).sum(1, keepdim: true).MoveToOuterDisposeScope();
        if (_fused is not null) _position = _nextPositions[0, 0].item<long>();
        _length = length;
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> nextTokens, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_nextPositions is null) throw new InvalidOperationException("Call Prefill before Step.");
        if (_length >= _capacity) throw new InvalidOperationException($"The session's capacity of {_capacity} positions is used up.");
        if (nextTokens.Length != _batch) throw new ArgumentException($"Expected {_batch} tokens, got {nextTokens.Length}.", nameof(nextTokens));
        CheckLogits(logits);
        var ids = ToIds(nextTokens);

        using var inference = inference_mode();
        using var threads = _batch <= RowLinear.MaxRows && _model.Device.type == DeviceType.CPU ? RowLinear.Decode() : default;
        if (_fused is not null)
        {
            _keyValid.bytes[_length] = 1; // true: the new token's own cache position
            _fused.Step((int)ids[0], _position, _length, _keyValid, logits, _cancellationToken);
            _nextPositions.add_(TorchScalars.One, TorchScalars.One);
            _position++;
            _length++;
            return;
        }
        using var scope = NewDisposeScope();
        var idTensor = tensor(ids, [_batch, 1], ScalarType.Int64).to(_model.Device);
        _keyValid.narrow(1, _length, 1).fill_(TorchScalars.True);
        using var masks = new AttentionMasks(_keyValid.narrow(1, 0, _length + 1), _length, 1);
        var output = _model.Run(idTensor, _nextPositions, masks, _cache, _length, lastPositionOnly: true, _cancellationToken);
        CopyLogits(output, logits);
        _nextPositions.add_(TorchScalars.One, TorchScalars.One);
        _length++;
    }

    private long[] ToIds(ReadOnlySpan<int> tokens)
    {
        int vocab = _model.Config.VocabSize;
        var ids = new long[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(tokens), $"Token id {tokens[i]} is outside the vocabulary (0..{vocab - 1}).");
            ids[i] = tokens[i];
        }
        return ids;
    }

    private void CheckLogits(Span<float> logits)
    {
        long needed = (long)_batch * _model.Config.VocabSize;
        if (logits.Length != needed) throw new ArgumentException($"The logits buffer must hold {_batch} x {_model.Config.VocabSize} = {needed} floats (has {logits.Length}).", nameof(logits));
    }

    private static void CopyLogits(Tensor output, Span<float> logits)
    {
        using var cpu = output.to(ScalarType.Float32, CPU).contiguous();
        MemoryMarshal.Cast<byte, float>(cpu.bytes).CopyTo(logits);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cache.Dispose();
        _keyValid.Dispose();
        _nextPositions?.Dispose();
    }
}
