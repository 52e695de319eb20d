using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using TorchSharp;

namespace Aligner.Training.Tests.Training;

public class LoraTests
{
    public LoraTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void MergedWeightsGiveTheSameLogitsAsTheAdapters()
    {
        using var model = CausalLanguageModel.CreateRandom(TinyTraining.Config, seed: 5);
        var names = model.named_parameters().Select(p => p.name).ToList();
        var trainable = LoraAdapters.Apply(model, new LoraOptions { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj", "down_proj"] }, seed: 9);
        Assert.Equal(2 * 3 * 2, trainable.Count);
        Assert.All(trainable, p => Assert.Contains("lora_", p.Name));
        Assert.All(model.named_parameters().Where(p => !p.name.Contains("lora_")), p => Assert.False(p.parameter.requires_grad));
        using (torch.no_grad())
            foreach (var (name, p) in trainable.Where(t => t.Name.EndsWith("lora_B", StringComparison.Ordinal)))
                p.normal_(0, 0.5);

        using var ids = torch.tensor(new long[] { 464, 3139, 286, 4881, 318, 6342, 13, 50256, 11, 12 }, [2, 5]);
        using var mask = torch.ones([2, 5], torch.ScalarType.Int64);
        using var before = model.Forward(ids, mask);
        using var baseline = CausalLanguageModel.CreateRandom(TinyTraining.Config, seed: 5);
        using var baseLogits = baseline.Forward(ids, mask);
        Assert.False(before.allclose(baseLogits, rtol: 1e-3, atol: 1e-3), "the adapters should change the output");

        LoraAdapters.Merge(model);
        Assert.False(LoraAdapters.HasAdapters(model));
        Assert.Equal(names.Order(), model.named_parameters().Select(p => p.name).Order());
        using var after = model.Forward(ids, mask);
        Assert.True(after.allclose(before, rtol: 1e-4, atol: 1e-5), $"max difference {(after - before).abs().max().item<float>()}");
    }

    [Fact]
    public void FreshAdaptersLeaveTheModelUnchanged()
    {
        using var model = CausalLanguageModel.CreateRandom(TinyTraining.Config, seed: 6);
        using var ids = torch.tensor(new long[] { 1, 2, 3, 4 }, [1, 4]);
        using var before = model.forward(ids);
        LoraAdapters.Apply(model, new LoraOptions(), seed: 1);
        using var after = model.forward(ids);
        Assert.True(after.allclose(before));
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new LoraOptions { Rank = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new LoraOptions { TargetModules = ["qkv"] }.Validate());
    }
}
