using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Memory;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Loading;

/// <summary>
/// Loads a checkpoint's network with the memory checks in front: the dtype policy (<see cref="TorchDTypePolicy"/>), then
/// the pre-flight check (<see cref="TorchMemoryPlan.EnsureFits"/>) — both from the safetensors headers, before any
/// parameter is allocated — then single-copy loading (<see cref="CheckpointLoader"/>).
/// </summary>
public static class TorchModelLoader
{
    /// <summary>Loads the network of <paramref name="checkpoint"/>.</summary>
    /// <param name="checkpoint">The opened checkpoint folder.</param>
    /// <param name="requested">An explicit dtype, or <see langword="null"/> for the <c>auto</c> policy.</param>
    /// <param name="device">The device.</param>
    /// <param name="memoryLimitBytes">Memory to treat as available instead of the measured figure, or <see langword="null"/>.</param>
    /// <param name="checkMemory">Whether to run the pre-flight check (CPU only; GPU memory is not checked).</param>
    /// <param name="int8Weights">Store the decoder layers' projection weights as weight-only int8 (<see cref="Int8Projection"/>), quantized
    /// layer by layer during the load so that memory never holds more than one layer in the load dtype.</param>
    /// <exception cref="ModelTooLargeException">The load would not fit in the available memory.</exception>
    /// <exception cref="ModelFormatException">The weights do not match the configuration.</exception>
    public static (CausalLanguageModel Model, TorchDTypeDecision DType, TorchMemoryPlan Plan) Load(
        CheckpointFolder checkpoint, ScalarType? requested, Device device, long? memoryLimitBytes = null, bool checkMemory = true, bool int8Weights = false)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(device);
        if (requested is { } r) TorchDTypes.EnsureSupported(r);
        var config = checkpoint.Config;
        using var weights = checkpoint.OpenWeights();
        long elements = TorchMemoryPlan.ParameterElements(config, weights);
        bool onCpu = device.type == DeviceType.CPU;
        AvailableMemory? available = memoryLimitBytes is { } limit
            ? new AvailableMemory(limit, "the configured memory limit")
            : onCpu && checkMemory ? AvailableMemory.Read() : null;
        var decision = TorchDTypePolicy.Resolve(requested, device.type, TorchMemoryPlan.StoredDType(weights),
            TorchMemoryPlan.For(config, elements, ScalarType.Float32), onCpu ? available : null, CpuFeatures.Detect());
        var plan = int8Weights
            ? TorchMemoryPlan.ForInt8(config, elements, TorchMemoryPlan.ProjectionWeights(weights), decision.DType)
            : TorchMemoryPlan.For(config, elements, decision.DType);
        if (onCpu && checkMemory) plan.EnsureFits(checkpoint.Path, decision.DType, available);
        var model = new CausalLanguageModel(config, decision.DType, device);
        try
        {
            if (int8Weights) CheckpointLoader.Load(model, weights, layer => QuantizeLayer(model, layer));
            else model.LoadWeights(weights);
        }
        catch { model.Dispose(); throw; }
        return (model, decision, plan);
    }

    /// <summary>Replaces layer <paramref name="index"/>'s projections by their <see cref="Int8Projection"/>s and frees the originals.</summary>
    internal static void QuantizeLayer(CausalLanguageModel model, int index)
    {
        var layer = model.Model.Layers[index];
        var attention = layer.SelfAttention;
        var mlp = layer.Mlp;
        attention.QProj = Quantized(attention.QProj);
        attention.KProj = Quantized(attention.KProj);
        attention.VProj = Quantized(attention.VProj);
        attention.OProj = Quantized(attention.OProj);
        mlp.GateProj = Quantized(mlp.GateProj);
        mlp.UpProj = Quantized(mlp.UpProj);
        mlp.DownProj = Quantized(mlp.DownProj);
    }

    private static TorchSharp.torch.nn.Module<Tensor, Tensor> Quantized(TorchSharp.torch.nn.Module<Tensor, Tensor> module)
    {
        if (module is not Projection projection) return module;
        var quantized = Int8Projection.Quantize(projection);
        projection.Dispose();
        return quantized;
    }
}
