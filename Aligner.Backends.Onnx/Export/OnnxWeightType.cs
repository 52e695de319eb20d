namespace Aligner.Backends.Onnx;

/// <summary>The element type of an exported decoder's weights, activations and KV cache.</summary>
public enum OnnxWeightType
{
    /// <summary>32-bit floats: parity with the Torch backend in float32.</summary>
    Float32,

    /// <summary>16-bit floats: half the size; RMSNorm and softmax still run in float32, logits are float32.</summary>
    Float16,
}
