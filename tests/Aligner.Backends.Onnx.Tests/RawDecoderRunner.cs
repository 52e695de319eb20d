using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Aligner.Backends.Onnx.Tests;

/// <summary>Runs an exported decoder through plain <see cref="InferenceSession.Run(IReadOnlyCollection{NamedOnnxValue})"/> calls, without the backend's session code.</summary>
internal sealed class RawDecoderRunner(InferenceSession session, int layers, int kvHeads, int headDim)
{
    public sealed record Output(float[] Logits, int[] LogitsShape, DenseTensor<float>[] Presents);

    /// <summary>One run over a [1, n] chunk with explicit positions and mask.</summary>
    public Output Run(long[] ids, long[] mask, long[] positions, DenseTensor<float>[]? past)
    {
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, [1, ids.Length])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, [1, mask.Length])),
            NamedOnnxValue.CreateFromTensor("position_ids", new DenseTensor<long>(positions, [1, positions.Length])),
        };
        for (int i = 0; i < layers; i++)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor($"past_key_values.{i}.key", past?[2 * i] ?? new DenseTensor<float>([1, kvHeads, 0, headDim])));
            inputs.Add(NamedOnnxValue.CreateFromTensor($"past_key_values.{i}.value", past?[2 * i + 1] ?? new DenseTensor<float>([1, kvHeads, 0, headDim])));
        }
        using var results = session.Run(inputs);
        var logits = results.First(r => r.Name == "logits").AsTensor<float>();
        var presents = new DenseTensor<float>[2 * layers];
        for (int i = 0; i < layers; i++)
        {
            presents[2 * i] = Copy(results.First(r => r.Name == $"present.{i}.key").AsTensor<float>());
            presents[2 * i + 1] = Copy(results.First(r => r.Name == $"present.{i}.value").AsTensor<float>());
        }
        return new Output(logits.ToArray(), logits.Dimensions.ToArray(), presents);
    }

    private static DenseTensor<float> Copy(Tensor<float> t) => new(t.ToArray(), t.Dimensions.ToArray());
}
