using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests;

/// <summary>
/// The managed single-sequence decode step (<see cref="FusedDecodeStep"/>) computes what the libtorch layers compute, for
/// every architecture of the table, float32, bfloat16 and int8 weights, across steps that fill the cache past Mistral's and
/// Gemma 2's sliding windows.
/// </summary>
[Collection(nameof(FusedDecodeStepTests))] // toggles a static switch
public class FusedDecodeStepTests
{
    public FusedDecodeStepTests() => TorchRuntime.EnsureInitialized();

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var type in TinyModels.ModelTypes)
            foreach (var weights in new[] { "f32", "bf16", "int8" })
                data.Add(type, weights);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_fused_step_equals_the_libtorch_step(string modelType, string weights)
    {
        var config = TinyModels.Config(modelType);
        using var model = CausalLanguageModel.CreateRandom(config, seed: 31, weights == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32);
        // bfloat16: the fused step keeps activations float32 where the libtorch path rounds each to bfloat16, so the
        // reference is libtorch in float32 on the same (bf16-valued) weights; only the cached keys and values are rounded.
        using var reference = weights == "bf16" ? WidenedCopy(model) : null;
        if (weights == "int8") model.QuantizeInt8();
        var prompt = TinyModels.RandomTokens(5, seed: 8);
        // A left-padded prompt: padding positions must stay masked in the fused step too.
        int[] mask = [0, 1, 1, 1, 1];
        var tokens = TinyModels.RandomTokens(9, seed: 9);

        var fused = Decode(model, prompt, mask, tokens, fusedStep: true);
        var expected = Decode(reference ?? model, prompt, mask, tokens, fusedStep: false);
        double largest = expected.Max(Math.Abs);
        Assert.True(largest > 0.05, "the logits are not all near zero");
        // float32 and int8 (float32 activations): summation order only, which checks the step's logic. bfloat16 checks its
        // 16-bit reads and writes (weights, embedding, cache): the cache's rounding moves logits by up to 0.3 % of the
        // largest here (Gemma 2, whose soft-caps amplify it), a wrong offset or width by far more.
        double tolerance = weights == "bf16" ? 0.01 * largest : 2e-4 * Math.Max(1, largest);
        for (int i = 0; i < fused.Length; i++)
            Assert.True(Math.Abs(fused[i] - expected[i]) <= tolerance,
                $"logit {i % config.VocabSize} of step {i / config.VocabSize}: fused {fused[i]}, libtorch {expected[i]} (tolerance {tolerance:G3})");
    }

    private static CausalLanguageModel WidenedCopy(CausalLanguageModel model)
    {
        var copy = CausalLanguageModel.CreateRandom(model.Config, seed: 1, ScalarType.Float32);
        var source = model.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in copy.state_dict()) parameter.copy_(source[name].to(ScalarType.Float32));
        return copy;
    }

    [Fact]
    public void Batches_cuda_free_models_with_adapters_and_float16_use_the_libtorch_path()
    {
        using var model = TinyModels.Random("llama");
        using var cache = new KeyValueCache(model.Config.NumHiddenLayers, 2, model.Config.NumKeyValueHeads, 8, model.Config.HeadDim, model.DType, model.Device);
        Assert.NotNull(FusedDecodeStep.TryCreate(model, cache, 1));
        Assert.Null(FusedDecodeStep.TryCreate(model, cache, 2));
        using var half = CausalLanguageModel.CreateRandom(TinyModels.Config("llama"), seed: 1, ScalarType.Float16);
        Assert.Null(FusedDecodeStep.TryCreate(half, cache, 1));
        var slot = model.Model.Layers[0].Projections()[0];
        slot.Replace(new Wrapper(slot.Module));
        Assert.Null(FusedDecodeStep.TryCreate(model, cache, 1));
    }

    [Theory]
    [InlineData(10, 14, 2)]   // idle: all threads faster
    [InlineData(10, 9, 2)]    // one thread a little faster: within the margin, keep all
    [InlineData(150, 25, 1)]  // a busy neighbour: one thread clearly faster
    public void The_thread_chooser_runs_one_thread_only_when_its_probed_layers_were_clearly_faster(long allTicks, long oneTicks, int expected)
    {
        const int layers = 30;
        var chooser = new FusedDecodeStep.ThreadChooser(layers);
        var perStep = new List<int[]>();
        for (int step = 0; step < 2 * FusedDecodeStep.ThreadChooser.Period; step++)
        {
            chooser.BeginStep(2);
            var used = new int[layers];
            for (int layer = 0; layer < layers; layer++)
            {
                used[layer] = chooser.ThreadsFor(layer);
                chooser.RecordLayer(layer, used[layer] == 1 ? oneTicks : allTicks);
            }
            chooser.EndStep();
            perStep.Add(used);
        }
        // The first step probes its first layers alternately on one thread and on all, then follows the choice.
        Assert.Equal([1, 2, 1, 2, 1, 2], perStep[0].Take(FusedDecodeStep.ThreadChooser.ProbeLayers));
        Assert.All(perStep[0].Skip(FusedDecodeStep.ThreadChooser.ProbeLayers), t => Assert.Equal(2, t));
        // Every later step runs every layer with the choice, except the next probe step's first layers.
        for (int step = 1; step < perStep.Count; step++)
            Assert.All(step == FusedDecodeStep.ThreadChooser.Period ? perStep[step].Skip(FusedDecodeStep.ThreadChooser.ProbeLayers) : perStep[step],
                t => Assert.Equal(expected, t));
        Assert.Equal(expected, chooser.Choice(2));
        // One thread available, or adaptation off: no probing.
        var single = new FusedDecodeStep.ThreadChooser(layers);
        single.BeginStep(1);
        Assert.Equal(1, single.ThreadsFor(0));
        var off = new FusedDecodeStep.ThreadChooser(layers);
        off.BeginStep(2, adapt: false);
        Assert.Equal(2, off.ThreadsFor(0));
        Assert.Equal(2, off.Choice(2));
    }

    private sealed class Wrapper(nn.Module<Tensor, Tensor> inner) : nn.Module<Tensor, Tensor>("wrapper")
    {
        public override Tensor forward(Tensor input) => inner.forward(input);
    }

    private static float[] Decode(CausalLanguageModel model, int[] prompt, int[] mask, int[] tokens, bool fusedStep)
    {
        FusedDecodeStep.Enabled = fusedStep;
        try
        {
            int vocab = model.Config.VocabSize;
            var logits = new float[vocab];
            var all = new List<float>();
            using var session = new TorchDecoderSession(model, 1, prompt.Length + tokens.Length);
            Assert.Equal(fusedStep, session.UsesFusedStep);
            session.Prefill(prompt, mask, prompt.Length, logits);
            foreach (var token in tokens)
            {
                session.Step([token], logits);
                all.AddRange(logits);
            }
            return [.. all];
        }
        finally { FusedDecodeStep.Enabled = true; }
    }
}
