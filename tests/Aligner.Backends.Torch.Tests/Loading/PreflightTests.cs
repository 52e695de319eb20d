using Aligner.Backends.Torch.Loading;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests.Loading;

public sealed class PreflightTests(TinyCheckpointFixture fixture) : IClassFixture<TinyCheckpointFixture>
{
    [Fact]
    public void Too_little_memory_is_a_typed_error_before_loading_that_suggests_bf16()
    {
        var e = Assert.Throws<ModelTooLargeException>(() =>
            TorchCorrectionModel.Load(fixture.Folder, new TorchBackendOptions { DType = ScalarType.Float32, MemoryLimitBytes = 1 << 20 }));
        Assert.Equal(fixture.Folder, e.ModelPath);
        Assert.Equal(1 << 20, e.AvailableBytes);
        Assert.True(e.NeededBytes > TorchMemoryPlan.FixedMarginBytes);
        Assert.Contains("--dtype bf16", e.Message);
        Assert.Contains("configured memory limit", e.Message);
        Assert.IsAssignableFrom<AlignerException>(e);

        var e16 = Assert.Throws<ModelTooLargeException>(() =>
            TorchCorrectionModel.Load(fixture.Folder, new TorchBackendOptions { DType = ScalarType.BFloat16, MemoryLimitBytes = 1 << 20 }));
        Assert.Contains("smaller corrector", e16.Message);
        Assert.DoesNotContain("--dtype bf16", e16.Message);
        Assert.True(e16.NeededBytes < e.NeededBytes);
    }

    [Fact]
    public void When_needed_quantization_holds_int8_only_where_the_full_load_would_not_fit()
    {
        using var folder = new TempFolder();
        using (var source = TinyModels.Random("llama", seed: 5)) source.SaveCheckpoint(folder.Path, ScalarType.BFloat16);
        Aligner.Tokenization.TokenizerLoader.CreateGpt2().Save(folder.Path); // for TorchCorrectionModel.Load below
        var checkpoint = CheckpointFolder.Open(folder.Path);
        long elements;
        using (var weights = checkpoint.OpenWeights()) elements = TorchMemoryPlan.ParameterElements(checkpoint.Config, weights);
        var full = TorchMemoryPlan.For(checkpoint.Config, elements, ScalarType.BFloat16);
        var int8 = TorchMemoryPlan.ForInt8(checkpoint.Config, elements, ScalarType.BFloat16);
        Assert.True(int8.NeededBytes < full.NeededBytes);

        // Room for the 16-bit load: no quantization.
        var (roomy, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, full.NeededBytes, quantization: TorchWeightQuantization.WhenNeeded);
        using (roomy) Assert.False(roomy.IsQuantized);
        // Room for the int8 load only: int8, with the same logits as an explicit int8 load.
        long between = (full.NeededBytes + int8.NeededBytes) / 2;
        var (tight, _, plan) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, between, quantization: TorchWeightQuantization.WhenNeeded);
        var (explicit8, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, quantization: TorchWeightQuantization.Int8);
        using (tight)
        using (explicit8)
        {
            Assert.True(tight.IsQuantized);
            Assert.Equal(int8, plan);
            using var ids = tensor(new long[] { 1, 5, 9, 3 }).unsqueeze(0);
            using var a = tight.forward(ids);
            using var b = explicit8.forward(ids);
            Assert.Equal(a.to(ScalarType.Float32).data<float>().ToArray(), b.to(ScalarType.Float32).data<float>().ToArray());
        }
        // Room for neither: the int8 load's shortfall, not advice to try int8.
        var e = Assert.Throws<ModelTooLargeException>(() =>
            TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, int8.NeededBytes - 1, quantization: TorchWeightQuantization.WhenNeeded));
        Assert.Equal(int8.NeededBytes, e.NeededBytes);
        Assert.Contains("int8 load does not fit either", e.Message);
        // Through the options, an explicit None keeps the old refusal that suggests int8.
        var none = Assert.Throws<ModelTooLargeException>(() => TorchCorrectionModel.Load(folder.Path,
            new TorchBackendOptions { DType = ScalarType.BFloat16, MemoryLimitBytes = between, Quantization = TorchWeightQuantization.None }));
        Assert.Contains("--quantize int8", none.Message);
        using var auto = TorchCorrectionModel.Load(folder.Path,
            new TorchBackendOptions { DType = ScalarType.BFloat16, MemoryLimitBytes = between, Quantization = TorchWeightQuantization.WhenNeeded });
        Assert.True(auto.Decoder.Network.IsQuantized);
    }

    [Fact]
    public void Enough_memory_loads_and_the_check_can_be_disabled()
    {
        using var ok = TorchCorrectionModel.Load(fixture.Folder, new TorchBackendOptions { MemoryLimitBytes = 1L << 30 });
        Assert.Equal(ScalarType.Float32, ok.Decoder.Network.DType);
        using var unchecked_ = TorchCorrectionModel.Load(fixture.Folder, new TorchBackendOptions { MemoryLimitBytes = 1 << 20, CheckMemory = false });
        Assert.Throws<ArgumentException>(() => TorchCorrectionModel.Load(fixture.Folder, new TorchBackendOptions { MemoryLimitBytes = 0 }));
    }

    [Fact]
    public void Bf16_checkpoint_loads_per_policy_and_conversion_in_chunks_is_exact()
    {
        using var folder = new TempFolder();
        using var source = TinyModels.Random("llama", seed: 3);
        source.SaveCheckpoint(folder.Path, ScalarType.BFloat16);
        var checkpoint = CheckpointFolder.Open(folder.Path);
        var (auto, decision, _) = TorchModelLoader.Load(checkpoint, null, CPU);
        using (auto)
        {
            var expected = Aligner.Memory.CpuFeatures.Detect().NativeBFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
            Assert.Equal(expected, auto.DType);
            Assert.Equal(expected, decision.DType);
        }
        // bf16 -> f32 through a 7-element conversion buffer, and bf16 -> bf16 in 6-byte direct pieces: both exact.
        using var weights = checkpoint.OpenWeights();
        using var widened = new CausalLanguageModel(checkpoint.Config, ScalarType.Float32);
        CheckpointLoader.Load(widened, weights, conversionChunkElements: 7, directChunkBytes: 1L << 30);
        using var kept = new CausalLanguageModel(checkpoint.Config, ScalarType.BFloat16);
        CheckpointLoader.Load(kept, weights, conversionChunkElements: 1 << 20, directChunkBytes: 6);
        var keptParameters = kept.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in widened.named_parameters())
        {
            var stored = weights.ReadSingles(name);
            Assert.Equal(stored, p.detach().contiguous().data<float>().ToArray());
            Assert.Equal(stored, keptParameters[name].detach().to(ScalarType.Float32).contiguous().data<float>().ToArray());
        }
    }
}
