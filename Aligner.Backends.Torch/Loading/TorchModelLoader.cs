using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Memory;
using Microsoft.Extensions.Logging;
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
    /// <param name="quantization">The projections' weights. <see cref="TorchWeightQuantization.Int8"/>: quantized with the head
    /// to int8 layer by layer while loading (CPU only): the peak is the int8 model plus one layer in the load dtype, and
    /// the pre-flight check counts that. <see cref="TorchWeightQuantization.WhenNeeded"/>: int8 only when the load in the
    /// dtype would not fit in the available memory and the int8 load would (<see cref="CausalLanguageModel.IsQuantized"/>
    /// tells which happened).</param>
    /// <param name="storage">Where the weights live: read into memory, or mapped from the files (<see cref="TorchWeightStorage"/>).</param>
    /// <param name="logger">Notes why a checkpoint is not mapped.</param>
    /// <exception cref="ModelTooLargeException">The load would not fit in the available memory.</exception>
    /// <exception cref="ModelFormatException">The weights do not match the configuration.</exception>
    public static (CausalLanguageModel Model, TorchDTypeDecision DType, TorchMemoryPlan Plan) Load(
        CheckpointFolder checkpoint, ScalarType? requested, Device device, long? memoryLimitBytes = null, bool checkMemory = true,
        TorchWeightQuantization quantization = TorchWeightQuantization.None, TorchWeightStorage storage = TorchWeightStorage.Memory, ILogger? logger = null)
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
        if (!Enum.IsDefined(quantization)) throw new ArgumentOutOfRangeException(nameof(quantization), quantization, "Not a known quantization.");
        if (quantization == TorchWeightQuantization.Int8 && !onCpu) throw new ArgumentException("Int8 weights run on the CPU only.", nameof(quantization));
        var int8Plan = TorchMemoryPlan.ForInt8(config, elements, decision.DType);
        var fullPlan = TorchMemoryPlan.For(config, elements, decision.DType);
        // WhenNeeded: int8 wherever the pre-flight check would refuse the full-precision load; if int8 does not fit either,
        // the check below reports the int8 load's shortfall.
        bool quantizeInt8 = quantization == TorchWeightQuantization.Int8
            || (quantization == TorchWeightQuantization.WhenNeeded && onCpu && checkMemory && available is not null && fullPlan.NeededBytes > available.Bytes);
        var plan = quantizeInt8 ? int8Plan : fullPlan;
        if (onCpu && checkMemory) plan.EnsureFits(checkpoint.Path, decision.DType, available, quantizeInt8, quantizeInt8 ? null : int8Plan);
        // Parameters are allocated uninitialised: their pages cost nothing until the load writes them, so an int8 load
        // that frees each layer's 16-bit weights as it quantizes them never holds more than one such layer.
        var model = new CausalLanguageModel(config, decision.DType, device);
        try
        {
            bool mapped = ChooseMapping(model, weights, storage, fullPlan.WeightBytes, logger);
            if (mapped)
            {
                try { MappedCheckpointLoader.Load(model, weights); }
                catch (Exception e) when (e is not ModelFormatException)
                {
                    // The file system may refuse memory maps (some network or FUSE mounts): read into memory instead.
                    logger?.LogWarning(e, "Mapping {Folder}'s weights failed ({Error}); reading them into memory instead.", checkpoint.Path, e.Message);
                    model.Dispose();
                    model = new CausalLanguageModel(config, decision.DType, device);
                    mapped = false;
                }
            }
            if (quantizeInt8 && mapped) MappedCheckpointLoader.QuantizeInt8(model);
            else if (quantizeInt8) model.LoadWeightsAsInt8(weights);
            else if (!mapped) model.LoadWeights(weights);
        }
        catch { model.Dispose(); throw; }
        return (model, decision, plan);
    }

    /// <summary>Checkpoints from this size up are mapped under <see cref="TorchWeightStorage.Auto"/>.</summary>
    public const long AutoMapBytes = 1L << 30;

    private static bool ChooseMapping(CausalLanguageModel model, CheckpointWeights weights, TorchWeightStorage storage, long weightBytes, ILogger? logger)
    {
        if (storage == TorchWeightStorage.Memory || (storage == TorchWeightStorage.Auto && weightBytes < AutoMapBytes)) return false;
        if (MappedCheckpointLoader.WhyNot(model, weights) is not { } reason)
        {
            model.IsFileMapped = true;
            return true;
        }
        if (storage == TorchWeightStorage.MappedFile)
            logger?.LogWarning("The weights are read into memory instead of being mapped from the checkpoint files: {Reason}.", reason);
        else logger?.LogDebug("The weights are read into memory: {Reason}.", reason);
        return false;
    }
}
