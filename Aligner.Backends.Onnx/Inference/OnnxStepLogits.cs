using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Aligner.Backends.Onnx;

/// <summary>
/// The logits buffer a decode step binds as its output (<c>[batch, 1, vocab]</c> in the model's logits type, float32 or
/// float16, allocated once per session), and float32 copies out of any logits ONNX Runtime returns.
/// </summary>
internal sealed class OnnxStepLogits : IDisposable
{
    private readonly float[]? _single;
    private readonly Float16[]? _half;

    public OnnxStepLogits(OnnxDecoderSignature signature, int batch)
    {
        long[] shape = [batch, 1, signature.VocabularySize];
        if (signature.LogitsType == TensorElementType.Float)
        {
            _single = new float[batch * signature.VocabularySize];
            Value = OrtValue.CreateTensorValueFromMemory(_single, shape);
        }
        else
        {
            _half = new Float16[batch * signature.VocabularySize];
            Value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _half.AsMemory(), shape);
        }
    }

    /// <summary>The buffer to bind as the <c>logits</c> output.</summary>
    public OrtValue Value { get; }

    /// <summary>Copies the last step's logits, as float32, into <paramref name="logits"/> (its length: the count copied).</summary>
    public void CopyTo(Span<float> logits)
    {
        if (_single is not null) _single.AsSpan(0, logits.Length).CopyTo(logits);
        else ToSingle(_half.AsSpan(0, logits.Length), logits);
    }

    /// <summary>Copies <paramref name="destination"/>.Length logits from <paramref name="offset"/> of an output ONNX Runtime allocated.</summary>
    public static void Read(OrtValue logits, TensorElementType type, int offset, Span<float> destination)
    {
        if (type == TensorElementType.Float) logits.GetTensorDataAsSpan<float>().Slice(offset, destination.Length).CopyTo(destination);
        else ToSingle(logits.GetTensorDataAsSpan<Float16>().Slice(offset, destination.Length), destination);
    }

    public void Dispose() => Value.Dispose();

    private static void ToSingle(ReadOnlySpan<Float16> source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = source[i].ToFloat();
    }
}
