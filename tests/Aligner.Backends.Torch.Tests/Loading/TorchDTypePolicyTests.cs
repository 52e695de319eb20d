using Aligner.Backends.Torch.Loading;
using Aligner.Checkpoints;
using Aligner.Memory;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests.Loading;

public sealed class TorchDTypePolicyTests
{
    private static readonly TorchMemoryPlan Float32Plan = new(WeightBytes: 27L << 30, MarginBytes: 2L << 30);
    private static readonly AvailableMemory Small = new(20L << 30, "test");
    private static readonly AvailableMemory Large = new(64L << 30, "test");
    private static readonly CpuFeatures Bf16Cpu = new(true, false), PlainCpu = new(false, false), Fp16Cpu = new(false, true);

    [Theory]
    [InlineData(SafeTensorDType.BF16, true, false, ScalarType.BFloat16)]   // native bf16: kept
    [InlineData(SafeTensorDType.BF16, false, true, ScalarType.Float32)]    // no native bf16, f32 fits: widened
    [InlineData(SafeTensorDType.BF16, false, false, ScalarType.BFloat16)]  // f32 does not fit: kept
    [InlineData(SafeTensorDType.F16, false, true, ScalarType.Float32)]
    [InlineData(SafeTensorDType.F16, false, false, ScalarType.Float16)]
    [InlineData(SafeTensorDType.F32, true, true, ScalarType.Float32)]      // a float32 checkpoint stays float32 where it fits
    [InlineData(SafeTensorDType.F32, true, false, ScalarType.BFloat16)]    // and is narrowed to bfloat16 where it does not
    [InlineData(SafeTensorDType.F32, false, false, ScalarType.BFloat16)]
    public void Auto_on_the_cpu(SafeTensorDType stored, bool nativeBf16, bool fits, ScalarType expected)
    {
        var d = TorchDTypePolicy.Resolve(null, DeviceType.CPU, stored, Float32Plan, fits ? Large : Small, nativeBf16 ? Bf16Cpu : PlainCpu);
        Assert.Equal(expected, d.DType);
        Assert.StartsWith("auto", d.Reason);
    }

    [Fact]
    public void Native_fp16_keeps_f16_and_explicit_and_cuda_choices_win()
    {
        Assert.Equal(ScalarType.Float16, TorchDTypePolicy.Resolve(null, DeviceType.CPU, SafeTensorDType.F16, Float32Plan, Large, Fp16Cpu).DType);
        Assert.Equal(ScalarType.Float32, TorchDTypePolicy.Resolve(ScalarType.Float32, DeviceType.CPU, SafeTensorDType.BF16, Float32Plan, Small, Bf16Cpu).DType);
        Assert.Equal(ScalarType.BFloat16, TorchDTypePolicy.Resolve(null, DeviceType.CUDA, SafeTensorDType.F32, Float32Plan, null, PlainCpu).DType);
        // Unknown memory counts as "fits".
        Assert.Equal(ScalarType.Float32, TorchDTypePolicy.Resolve(null, DeviceType.CPU, SafeTensorDType.BF16, Float32Plan, null, PlainCpu).DType);
    }

    [Fact]
    public void Plan_counts_weights_kv_margin_and_fixed_part()
    {
        var config = DecoderConfig.Create("llama", 4096, 11008, 32, 32, 32, 32000) with { MaxPositionEmbeddings = 4096 };
        var plan = TorchMemoryPlan.For(config, 6_738_415_616, ScalarType.BFloat16);
        Assert.Equal(6_738_415_616L * 2, plan.WeightBytes);
        long kv = 2L * 32 * 32 * 128 * TorchMemoryPlan.MarginContextTokens * 2;
        Assert.Equal(kv + plan.WeightBytes / 20 + TorchMemoryPlan.FixedMarginBytes, plan.MarginBytes);
        // A 7B model: bf16 fits 24 GB, float32 does not.
        Assert.True(plan.NeededBytes < 20L << 30);
        Assert.True(TorchMemoryPlan.For(config, 6_738_415_616, ScalarType.Float32).NeededBytes > 24L << 30);
    }
}
