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
    /// <param name="quantizeInt8">Quantize the projections and head to int8 layer by layer while loading (CPU only): the peak is
    /// the int8 model plus one layer in the load dtype, and the pre-flight check counts that.</param>
    /// <exception cref="ModelTooLargeException">The load would not fit in the available memory.</exception>
    /// <exception cref="ModelFormatException">The weights do not match the configuration.</exception>
    public static (CausalLanguageModel Model, TorchDTypeDecision DType, TorchMemoryPlan Plan) Load(
        CheckpointFolder checkpoint, ScalarType? requested, Device device, long? memoryLimitBytes = null, bool checkMemory = true, bool quantizeInt8 = false)
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
        if (quantizeInt8 && !onCpu) throw new ArgumentException("Int8 weights run on the CPU only.", nameof(quantizeInt8));
        var int8Plan = TorchMemoryPlan.ForInt8(config, elements, decision.DType);
        var plan = quantizeInt8 ? int8Plan : TorchMemoryPlan.For(config, elements, decision.DType);
        if (onCpu && checkMemory) plan.EnsureFits(checkpoint.Path, decision.DType, available, quantizeInt8, quantizeInt8 ? null : int8Plan);
        // Parameters are allocated uninitialised: their pages cost nothing until the load writes them, so an int8 load
        // that frees each layer's 16-bit weights as it quantizes them never holds more than one such layer.
        var model = new CausalLanguageModel(config, decision.DType, device);
        try
        {
            if (quantizeInt8) model.LoadWeightsAsInt8(weights);
            else model.LoadWeights(weights);
        }
        catch { model.Dispose(); throw; }
        return (model, decision, plan);
    }
}
