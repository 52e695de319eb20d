using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests;

public class ProjectionHookTests
{
    /// <summary>A stand-in adapter: wraps a projection under the name <c>base</c> and doubles its output.</summary>
    private sealed class DoublingAdapter : nn.Module<Tensor, Tensor>
    {
#pragma warning disable IDE1006
        [TorchSharp.Utils.ComponentName(Name = "base")] private readonly nn.Module<Tensor, Tensor> inner;
#pragma warning restore IDE1006

        public DoublingAdapter(nn.Module<Tensor, Tensor> inner) : base(nameof(DoublingAdapter))
        {
            this.inner = inner;
            RegisterComponents();
        }

        public nn.Module<Tensor, Tensor> Inner => inner;

        public override Tensor forward(Tensor input) => inner.forward(input) * 2;
    }

    [Fact]
    public void Projections_can_be_wrapped_in_place_and_unwrapped_for_saving()
    {
        using var model = TinyModels.Random("llama", seed: 4);
        var tokens = TinyModels.RandomTokens(5, seed: 2);
        var before = TinyModels.FullLogits(model, tokens);
        var attention = model.Model.Layers[0].SelfAttention;
        var original = attention.VProj;
        Assert.True(attention.RunsPacked);
        attention.VProj = new DoublingAdapter(original);
        Assert.False(attention.RunsPacked);
        Assert.True(model.Model.Layers[0].Mlp.RunsPacked);

        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("model.layers.0.self_attn.v_proj.base.weight", names);
        Assert.DoesNotContain("model.layers.0.self_attn.v_proj.weight", names);
        Assert.NotEqual(before.Cast<float>(), TinyModels.FullLogits(model, tokens).Cast<float>());
        using var folder = new TempFolder();
        var e = Assert.Throws<InvalidOperationException>(() => model.SaveCheckpoint(folder.Path));
        Assert.Contains("model.layers.0.self_attn.v_proj", e.Message);

        attention.VProj = original;
        Assert.True(attention.RunsPacked);
        Assert.Contains("model.layers.0.self_attn.v_proj.weight", model.named_parameters().Select(p => p.name));
        Assert.Equal(before.Cast<float>(), TinyModels.FullLogits(model, tokens).Cast<float>());
        model.SaveCheckpoint(folder.Path);
    }
}
