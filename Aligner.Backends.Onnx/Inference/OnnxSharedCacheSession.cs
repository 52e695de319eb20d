using Aligner.Generation;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Aligner.Backends.Onnx;

/// <summary>
/// One generation on a decoder whose attention is ONNX Runtime's <c>GroupQueryAttention</c> (the default export,
/// <see cref="OnnxOperators.OnnxRuntime"/>). The KV cache is one buffer per layer and kind,
/// <c>[batch, kv_heads, maxLength, head_dim]</c>, allocated once and bound as both past and present: the operator
/// writes each new key in place, so a step copies nothing. Row <c>b</c>'s tokens sit at cache positions
/// 0..length<sub>b</sub>−1 (the operator's contract), so each row's prompt is run on its own, without its padding,
/// through a batch-1 view of that row's part of the buffers; steps then run the whole batch.
/// </summary>
internal sealed class OnnxSharedCacheSession : IDecoderSession
{
    private readonly OnnxDecoderRuntime _runtime;
    private readonly OnnxDecoderSignature _signature;
    private readonly int _batch;
    private readonly int _maxLength;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding _binding;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _registration;

    private readonly OrtMemoryAllocation[] _cache;   // [layer * 2 + (0 key | 1 value)]
    private readonly OrtValue[] _cacheValues;        // the whole batch's view of each buffer
    private readonly long _rowBytes;                  // one row's part of a buffer
    private readonly int[] _lengths;                  // per row: tokens in the cache
    private readonly long[] _stepIds;
    private readonly OrtValue _stepIdsValue;
    private readonly long[] _mask;
    private readonly OnnxStepLogits _stepLogits;
    private bool _prefilled;
    private bool _disposed;

    internal OnnxSharedCacheSession(OnnxDecoderRuntime runtime, int batch, int maxLength, CancellationToken cancellationToken)
    {
        _runtime = runtime;
        var signature = _signature = runtime.Signature;
        _batch = batch;
        _maxLength = maxLength;
        _cancellationToken = cancellationToken;
        _lengths = new int[batch];
        _stepIds = new long[batch];
        _mask = new long[batch * maxLength];
        int elementBytes = signature.CacheType == TensorElementType.Float16 ? 2 : 4;
        _rowBytes = (long)signature.KeyValueHeadCount * maxLength * signature.HeadDim * elementBytes;
        _cache = new OrtMemoryAllocation[2 * signature.LayerCount];
        _cacheValues = new OrtValue[2 * signature.LayerCount];
        _binding = runtime.Session.CreateIoBinding();
        try
        {
            long[] shape = [batch, signature.KeyValueHeadCount, maxLength, signature.HeadDim];
            for (int i = 0; i < _cache.Length; i++)
            {
                _cache[i] = runtime.CacheAllocator.Allocate((uint)checked(_rowBytes * batch));
                _cacheValues[i] = OrtValue.CreateTensorValueWithData(runtime.CacheMemory, signature.CacheType, shape, _cache[i].DangerousGetHandle(), _rowBytes * batch);
            }
        }
        catch
        {
            DisposeCache();
            _binding.Dispose();
            throw;
        }
        _stepIdsValue = OrtValue.CreateTensorValueFromMemory(_stepIds, [batch, 1]);
        _stepLogits = new OnnxStepLogits(signature, batch);
        _registration = cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, _runOptions);
    }

    /// <inheritdoc />
    public void Prefill(ReadOnlySpan<int> tokens, ReadOnlySpan<int> attentionMask, int length, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_prefilled) throw new InvalidOperationException("Prefill runs once, before any step.");
        if (length <= 0 || length > _maxLength) throw new ArgumentOutOfRangeException(nameof(length), $"Prefill length {length} is outside 1..{_maxLength}.");
        if (tokens.Length != _batch * length || attentionMask.Length != _batch * length)
            throw new ArgumentException($"tokens and attentionMask must hold batch × length = {_batch * length} values.");
        int vocab = _signature.VocabularySize;
        if (logits.Length < _batch * vocab) throw new ArgumentException("logits is too short.", nameof(logits));

        var ids = new long[length];
        for (int b = 0; b < _batch; b++)
        {
            // The row's real tokens in order; its padding is dropped, not run.
            int real = 0;
            for (int t = 0; t < length; t++)
                if (attentionMask[b * length + t] != 0) ids[real++] = tokens[b * length + t];
            if (real == 0) throw new ArgumentException($"Row {b} of the prompt batch has no tokens (its attention mask is all 0).", nameof(attentionMask));
            PrefillRow(b, ids.AsMemory(0, real), logits.Slice(b * vocab, vocab));
            _lengths[b] = real;
        }
        _prefilled = true;
    }

    private void PrefillRow(int row, Memory<long> ids, Span<float> logits)
    {
        int length = ids.Length, chunk = Math.Min(_runtime.PrefillChunkLength, length);
        var views = new OrtValue[_cache.Length];
        var ones = new long[length];
        Array.Fill(ones, 1L);
        try
        {
            long[] shape = [1, _signature.KeyValueHeadCount, _maxLength, _signature.HeadDim];
            for (int i = 0; i < views.Length; i++)
                views[i] = OrtValue.CreateTensorValueWithData(_runtime.CacheMemory, _signature.CacheType, shape, _cache[i].DangerousGetHandle() + (nint)(row * _rowBytes), _rowBytes);
            for (int start = 0; start < length; start += chunk)
            {
                int count = Math.Min(chunk, length - start);
                using var idsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ids.Slice(start, count), [1, count]);
                using var maskValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ones.AsMemory(0, start + count), [1, start + count]);
                _binding.ClearBoundInputs();
                _binding.ClearBoundOutputs();
                _binding.BindInput(OnnxDecoderSignature.InputIds, idsValue);
                _binding.BindInput(OnnxDecoderSignature.AttentionMask, maskValue);
                _binding.BindOutputToDevice(OnnxDecoderSignature.Logits, OrtMemoryInfo.DefaultInstance); // first: outputs come back in binding order
                BindCache(views);
                _runtime.Run(_runOptions, _binding, _cancellationToken);
                if (start + count < length) continue;
                // Logits are [1, positions, vocab] (the last position's only, for our exports): take the last row.
                using var outputs = _binding.GetOutputValues();
                var all = outputs[0];
                OnnxStepLogits.Read(all, _signature.LogitsType, (int)(all.GetTensorTypeAndShape().ElementCount - logits.Length), logits);
            }
        }
        finally
        {
            _binding.ClearBoundInputs();
            _binding.ClearBoundOutputs();
            foreach (var view in views) view?.Dispose();
        }
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> nextTokens, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_prefilled) throw new InvalidOperationException("Step needs a prefill first.");
        if (nextTokens.Length != _batch) throw new ArgumentException($"nextTokens must hold {_batch} ids.", nameof(nextTokens));
        if (logits.Length < _batch * _signature.VocabularySize) throw new ArgumentException("logits is too short.", nameof(logits));
        int width = 0;
        for (int b = 0; b < _batch; b++)
        {
            if (_lengths[b] >= _maxLength) throw new InvalidOperationException($"The session was sized for {_maxLength} positions.");
            width = Math.Max(width, _lengths[b] + 1);
        }
        // The operator reads each row's length from its mask's sum: row b has lengths[b] + 1 ones.
        for (int b = 0; b < _batch; b++)
        {
            _stepIds[b] = nextTokens[b];
            var row = _mask.AsSpan(b * width, width);
            row[..(_lengths[b] + 1)].Fill(1);
            row[(_lengths[b] + 1)..].Clear();
        }
        using var maskValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _mask.AsMemory(0, _batch * width), [_batch, width]);
        _binding.ClearBoundInputs();
        _binding.ClearBoundOutputs();
        _binding.BindInput(OnnxDecoderSignature.InputIds, _stepIdsValue);
        _binding.BindInput(OnnxDecoderSignature.AttentionMask, maskValue);
        BindCache(_cacheValues);
        _binding.BindOutput(OnnxDecoderSignature.Logits, _stepLogits.Value);
        _runtime.Run(_runOptions, _binding, _cancellationToken);
        for (int b = 0; b < _batch; b++) _lengths[b]++;
        _stepLogits.CopyTo(logits[..(_batch * _signature.VocabularySize)]);
    }

    /// <summary>Binds each layer's buffer as both its past input and its present output (shared in place).</summary>
    private void BindCache(OrtValue[] values)
    {
        for (int i = 0; i < _signature.LayerCount; i++)
        {
            _binding.BindInput(_signature.PastKeys[i], values[2 * i]);
            _binding.BindInput(_signature.PastValues[i], values[2 * i + 1]);
            _binding.BindOutput(_signature.PresentKeys[i], values[2 * i]);
            _binding.BindOutput(_signature.PresentValues[i], values[2 * i + 1]);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _registration.Dispose();
        _binding.Dispose();
        _stepIdsValue.Dispose();
        _stepLogits.Dispose();
        DisposeCache();
        _runOptions.Dispose();
    }

    private void DisposeCache()
    {
        foreach (var value in _cacheValues) value?.Dispose();
        foreach (var allocation in _cache) allocation?.Dispose();
    }
}
