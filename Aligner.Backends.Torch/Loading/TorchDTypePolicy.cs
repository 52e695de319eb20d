using Aligner.Checkpoints;
using Aligner.Memory;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Loading;

/// <summary>A chosen weight dtype and why it was chosen (for the load log line).</summary>
/// <param name="DType">The dtype to load the weights as.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record TorchDTypeDecision(ScalarType DType, string Reason);

/// <summary>
/// The <c>auto</c> weight dtype. CUDA: bfloat16. CPU: a float32 checkpoint stays float32 unless float32 would not fit
/// in the available memory (then bfloat16). A 16-bit checkpoint stays
/// 16-bit where the CPU computes that format natively (bfloat16 with <c>avx512_bf16</c>/<c>amx_bf16</c>, float16 with
/// <c>avx512_fp16</c>/<c>amx_fp16</c>) — half the memory and memory traffic at no loss, since the weights are already
/// 16-bit — or where float32 would not fit in the available memory; otherwise it is widened to float32, which older
/// CPUs run faster than emulated 16-bit arithmetic.
/// </summary>
public static class TorchDTypePolicy
{
    /// <summary>Chooses the dtype.</summary>
    /// <param name="requested">An explicit dtype (always honoured), or <see langword="null"/> for <c>auto</c>.</param>
    /// <param name="device">The device type the model will run on.</param>
    /// <param name="stored">The checkpoint's dominant floating-point dtype (<see cref="TorchMemoryPlan.StoredDType"/>).</param>
    /// <param name="float32Plan">What a float32 load would need.</param>
    /// <param name="available">Memory available to the process, or <see langword="null"/> when unknown.</param>
    /// <param name="cpu">The CPU's 16-bit features.</param>
    public static TorchDTypeDecision Resolve(ScalarType? requested, DeviceType device, SafeTensorDType? stored, TorchMemoryPlan float32Plan,
        AvailableMemory? available, CpuFeatures cpu)
    {
        ArgumentNullException.ThrowIfNull(float32Plan);
        ArgumentNullException.ThrowIfNull(cpu);
        if (requested is { } r) return new TorchDTypeDecision(r, "requested");
        if (device != DeviceType.CPU) return new TorchDTypeDecision(ScalarType.BFloat16, "auto: bfloat16 on an accelerator");
        bool fits = available is null || float32Plan.NeededBytes <= available.Bytes;
        string fitText = available is null ? "available memory unknown" : $"float32 needs {ByteSizes.Format(float32Plan.NeededBytes)} of {ByteSizes.Format(available.Bytes)} available";
        return stored switch
        {
            SafeTensorDType.BF16 when cpu.NativeBFloat16 => new(ScalarType.BFloat16, "auto: bfloat16 checkpoint kept 16-bit, the CPU has native bfloat16"),
            SafeTensorDType.BF16 when !fits => new(ScalarType.BFloat16, $"auto: bfloat16 checkpoint kept 16-bit, {fitText}"),
            SafeTensorDType.F16 when cpu.NativeFloat16 => new(ScalarType.Float16, "auto: float16 checkpoint kept 16-bit, the CPU has native float16"),
            SafeTensorDType.F16 when !fits => new(ScalarType.Float16, $"auto: float16 checkpoint kept 16-bit, {fitText}"),
            SafeTensorDType.BF16 or SafeTensorDType.F16 => new(ScalarType.Float32, $"auto: 16-bit checkpoint widened to float32 (no native 16-bit arithmetic on this CPU; {fitText})"),
            // A float32 checkpoint too big for float32 is narrowed rather than refused: bfloat16 keeps float32's range.
            _ when !fits => new(ScalarType.BFloat16, $"auto: float32 checkpoint narrowed to bfloat16, {fitText}"),
            _ => new(ScalarType.Float32, "auto: float32 checkpoint"),
        };
    }
}
