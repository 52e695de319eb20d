using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Gguf;

namespace Aligner.Backends.Torch.Tests.Loading;

public sealed class ModelFamilyTests
{
    [Fact]
    public void Config_parsing_reads_exactly_the_table()
    {
        Assert.Equal(ModelFamilies.All.Select(f => f.ModelType), DecoderConfig.SupportedModelTypes);
        foreach (var family in ModelFamilies.All)
        {
            var json = TinyModels.Config(family.ModelType).ToJson();
            Assert.Contains($"\"{family.HuggingFaceArchitecture}\"", json);
        }
        var e = Assert.Throws<NotSupportedModelException>(() => DecoderConfig.Create("phi3", 32, 48, 2, 4, 2, 256));
        Assert.Equal("model_type", e.Field);
        Assert.Contains("gemma2", e.Message);
    }

    [Fact]
    public void Every_family_runs_on_the_torch_backend()
    {
        TorchRuntime.EnsureInitialized();
        foreach (var family in ModelFamilies.All)
        {
            Assert.True(family.Supports(ModelTarget.TorchBackend), family.ModelType);
            using var model = new CausalLanguageModel(TinyModels.Config(family.ModelType));
        }
    }

    [Fact]
    public void The_gguf_exporter_takes_its_architecture_and_refusals_from_the_table()
    {
        foreach (var family in ModelFamilies.All)
        {
            var config = TinyModels.Config(family.ModelType);
            if (family.Supports(ModelTarget.GgufExport)) Assert.Equal(family.GgufArchitecture, GgufExporter.ArchitectureOf(config, "/ckpt"));
            else
            {
                var e = Assert.Throws<NotSupportedModelException>(() => GgufExporter.ArchitectureOf(config, "/ckpt"));
                Assert.Equal(Path.Combine("/ckpt", "config.json"), e.FilePath);
                Assert.Contains(family.ModelType, e.Message);
                Assert.Contains("GGUF exporter", e.Message);
            }
        }
        Assert.False(ModelFamilies.Get("gemma2", "config.json").Supports(ModelTarget.GgufExport));
        Assert.True(ModelFamilies.Get("gemma2", "config.json").Supports(ModelTarget.OnnxExport));
    }
}
