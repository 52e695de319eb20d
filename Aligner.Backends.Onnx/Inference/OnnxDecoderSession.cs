using Aligner.Generation;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Aligner.Backends.Onnx;

/// <summary>
/// One generation on an ONNX decoder. Inputs, the per-step logits buffer and the step's token and position tensors
/// are allocated once; each step's <c>present.*</c> outputs stay where ONNX Runtime put them (on the GPU under CUDA)
/// and are bound as the next step's <c>past_key_values.*</c> without a copy. Cancellation sets
/// <see cref="RunOptions.Terminate"/>, which stops a run in progress.
/// </summary>
public sealed class OnnxDecoderSession : IDecoderSession
{
    private readonly OnnxDecoderRuntime _runtime;
    private readonly OnnxDecoderSignature _signature;
    private readonly int _batch;
    private readonly int _maxLength;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding _binding;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _registration;

    private readonly long[] _maskRows;      // [batch, maxLength]: 1 for real tokens so far
    private readonly long[] _maskBuffer;    // [batch, length] packed for the current run
    private readonly long[] _realTokens;    // per row: real tokens seen so far (the next position id)
    private readonly long[] _stepIds;
    private readonly long[] _stepPositions;
    private readonly OrtValue _stepIdsValue;
    private readonly OrtValue _stepPositionsValue;
    private readonly OnnxStepLogits _stepLogits;

    private IDisposableReadOnlyCollection<OrtValue>? _outputs; // logits + presents of the last run
    private int _length;
    private bool _disposed;

    internal OnnxDecoderSession(OnnxDecoderRuntime runtime, int batch, int maxLength, CancellationToken cancellationToken)
    {
        _runtime = runtime;
        var signature = _signature = runtime.Signature;
        _batch = batch;
        _maxLength = maxLength;
        _cancellationToken = cancellationToken;
        _maskRows = new long[batch * maxLength];
        _maskBuffer = new long[batch * maxLength];
        _realTokens = new long[batch];
        _stepIds = new long[batch];
        _stepPositions = new long[batch];
        _binding = runtime.Session.CreateIoBinding();
        _stepIdsValue = OrtValue.CreateTensorValueFromMemory(_stepIds, [batch, 1]);
        _stepPositionsValue = OrtValue.CreateTensorValueFromMemory(_stepPositions, [batch, 1]);
        _stepLogits = new OnnxStepLogits(signature, batch);
        _registration = cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, _runOptions);
    }

    /// <inheritdoc />
    public void Prefill(ReadOnlySpan<int> tokens, ReadOnlySpan<int> attentionMask, int length, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_length != 0) throw new InvalidOperationException("Prefill runs once, before any step.");
        if (length <= 0 || length > _maxLength) throw new ArgumentOutOfRangeException(nameof(length), $"Prefill length {length} is outside 1..{_maxLength}.");
        if (tokens.Length != _batch * length || attentionMask.Length != _batch * length)
            throw new ArgumentException($"tokens and attentionMask must hold batch × length = {_batch * length} values.");
        if (logits.Length < _batch * _signature.VocabularySize) throw new ArgumentException("logits is too short.", nameof(logits));

        var ids = new long[_batch * length];
        var positions = new long[_batch * length];
        for (int b = 0; b < _batch; b++)
        {
            long real = 0;
            for (int t = 0; t < length; t++)
            {
                int i = b * length + t;
                ids[i] = tokens[i];
                long m = attentionMask[i] != 0 ? 1 : 0;
                _maskRows[b * _maxLength + t] = m;
                // Hugging Face: cumsum(mask) - 1, padding positions set to 1.
                positions[i] = m == 1 ? real++ : 1;
            }
            _realTokens[b] = real;
        }

        // Long prompts run in chunks through the cache: logits and attention scores stay chunk-sized.
        int chunk = Math.Min(_runtime.PrefillChunkLength, length);
        var chunkIds = new long[_batch * chunk];
        var chunkPositions = new long[_batch * chunk];
        int last = 0;
        for (int start = 0; start < length; start += chunk)
        {
            last = Math.Min(chunk, length - start);
            for (int b = 0; b < _batch; b++)
            {
                Array.Copy(ids, b * length + start, chunkIds, b * last, last);
                Array.Copy(positions, b * length + start, chunkPositions, b * last, last);
            }
            _length = start + last;
            RunPrefillChunk(chunkIds.AsMemory(0, _batch * last), chunkPositions.AsMemory(0, _batch * last), last, first: start == 0);
        }

        // Logits [batch, last, vocab]: every row's final position is last - 1 (left padding).
        int vocab = _signature.VocabularySize;
        var all = _outputs![0];
        for (int b = 0; b < _batch; b++)
            OnnxStepLogits.Read(all, _signature.LogitsType, (b * last + last - 1) * vocab, logits.Slice(b * vocab, vocab));
    }

    private void RunPrefillChunk(Memory<long> ids, Memory<long> positions, int chunk, bool first)
    {
        using var idsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ids, [_batch, chunk]);
        using var positionsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, positions, [_batch, chunk]);
        using var maskValue = PackMask();
        var emptyCache = new OrtValue[first ? 2 * _signature.LayerCount : 0];
        try
        {
            _binding.ClearBoundInputs();
            _binding.ClearBoundOutputs();
            _binding.BindInput(OnnxDecoderSignature.InputIds, idsValue);
            _binding.BindInput(OnnxDecoderSignature.AttentionMask, maskValue);
            if (_signature.HasPositionIds) _binding.BindInput(OnnxDecoderSignature.PositionIds, positionsValue);
            long[] emptyShape = [_batch, _signature.KeyValueHeadCount, 0, _signature.HeadDim];
            for (int i = 0; i < _signature.LayerCount; i++)
            {
                if (first)
                {
                    emptyCache[2 * i] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, _signature.CacheType, emptyShape);
                    emptyCache[2 * i + 1] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, _signature.CacheType, emptyShape);
                }
                // Otherwise the previous run's outputs: [logits, present.0.key, present.0.value, ...].
                _binding.BindInput(_signature.PastKeys[i], first ? emptyCache[2 * i] : _outputs![1 + 2 * i]);
                _binding.BindInput(_signature.PastValues[i], first ? emptyCache[2 * i + 1] : _outputs![2 + 2 * i]);
            }
            _binding.BindOutputToDevice(OnnxDecoderSignature.Logits, OrtMemoryInfo.DefaultInstance);
            BindPresents();
            Run();
        }
        finally
        {
            foreach (var value in emptyCache) value.Dispose();
        }
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> nextTokens, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_outputs is null) throw new InvalidOperationException("Step needs a prefill first.");
        if (_length >= _maxLength) throw new InvalidOperationException($"The session was sized for {_maxLength} positions.");
        if (nextTokens.Length != _batch) throw new ArgumentException($"nextTokens must hold {_batch} ids.", nameof(nextTokens));
        if (logits.Length < _batch * _signature.VocabularySize) throw new ArgumentException("logits is too short.", nameof(logits));

        for (int b = 0; b < _batch; b++)
        {
            _stepIds[b] = nextTokens[b];
            _stepPositions[b] = _realTokens[b]++;
            _maskRows[b * _maxLength + _length] = 1;
        }
        _length++;

        using var maskValue = PackMask();
        _binding.ClearBoundInputs();
        _binding.ClearBoundOutputs();
        _binding.BindInput(OnnxDecoderSignature.InputIds, _stepIdsValue);
        _binding.BindInput(OnnxDecoderSignature.AttentionMask, maskValue);
        if (_signature.HasPositionIds) _binding.BindInput(OnnxDecoderSignature.PositionIds, _stepPositionsValue);
        for (int i = 0; i < _signature.LayerCount; i++)
        {
            // The previous run's outputs: [logits, present.0.key, present.0.value, ...].
            _binding.BindInput(_signature.PastKeys[i], _outputs[1 + 2 * i]);
            _binding.BindInput(_signature.PastValues[i], _outputs[2 + 2 * i]);
        }
        _binding.BindOutput(OnnxDecoderSignature.Logits, _stepLogits.Value);
        BindPresents();
        Run();
        _stepLogits.CopyTo(logits[..(_batch * _signature.VocabularySize)]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _registration.Dispose();
        _outputs?.Dispose();
        _binding.Dispose();
        _stepIdsValue.Dispose();
        _stepPositionsValue.Dispose();
        _stepLogits.Dispose();
        _runOptions.Dispose();
    }

    private void BindPresents()
    {
        for (int i = 0; i < _signature.LayerCount; i++)
        {
            _binding.BindOutputToDevice(_signature.PresentKeys[i], _runtime.CacheMemory);
            _binding.BindOutputToDevice(_signature.PresentValues[i], _runtime.CacheMemory);
        }
    }

    private void Run()
    {
        _runtime.Run(_runOptions, _binding, _cancellationToken);
        // The new outputs hold their own references; the previous run's (this run's pasts) can go now.
        var previous = _outputs;
        _outputs = _binding.GetOutputValues();
        previous?.Dispose();
    }

    /// <summary>The attention mask of the current length, packed to [batch, length].</summary>
    private OrtValue PackMask()
    {
        for (int b = 0; b < _batch; b++)
            Array.Copy(_maskRows, b * _maxLength, _maskBuffer, b * _length, _length);
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _maskBuffer.AsMemory(0, _batch * _length), [_batch, _length]);
    }
}
