using Aligner.Checkpoints;
using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests;

/// <summary>
/// Int8 weights (<see cref="Int8Weight"/>, <see cref="CausalLanguageModel.QuantizeInt8"/>): each weight is within half a
/// quantization step of the original; the decode kernel computes what a float product with the dequantized weight
/// computes; a quantized model frees its float weights, and its step-by-step decode (kernel) agrees with its
/// whole-sequence forward (dequantized matmuls) and stays close to the float model.
/// </summary>
public class Int8WeightTests
{
    public Int8WeightTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Every_weight_is_within_half_a_step_of_its_block_scale(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        // 70 inputs: two full blocks and a short one; row 3 is all zeros (scale 0, values 0).
        var w = randn(9, 70, generator: new Generator(1UL)).to(dtype);
        w[3].zero_();
        using var q = Int8Weight.Quantize(w);
        Assert.Equal(new long[] { 9, 70 }, q.Values.shape);
        Assert.Equal(new long[] { 9, 3 }, q.Scales.shape);
        var original = w.to(ScalarType.Float32);
        var restored = q.Dequantize(ScalarType.Float32);
        var step = q.Scales.repeat_interleave(Int8Weight.BlockSize, 1).narrow(1, 0, 70);
        var error = (restored - original).abs();
        Assert.True(error.le(step.mul(0.5).add(1e-7)).all().item<bool>(), $"max error {error.max().item<float>()}");
        Assert.Equal(0f, q.Scales[3].abs().sum().item<float>());
        // The largest value of each block maps to ±127.
        Assert.Equal(127, q.Values.to(ScalarType.Int32).abs().max().item<int>());
    }

    public static TheoryData<int, int, int, bool, ScalarType> Shapes => new()
    {
        { 1, 64, 5, false, ScalarType.Float32 },     // below the threading threshold
        { 1, 576, 960, true, ScalarType.Float32 },   // above it, bias
        { 3, 100, 300, false, ScalarType.Float32 },  // several rows, a short last block
        { 4, 96, 1000, true, ScalarType.BFloat16 },
        { 2, 33, 70, true, ScalarType.BFloat16 },
        { 16, 64, 200, true, ScalarType.Float32 },   // a decode batch: four rows at a time
        { 7, 40, 50, false, ScalarType.BFloat16 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_kernel_equals_a_float_product_with_the_dequantized_weight(int rows, int inFeatures, int outFeatures, bool hasBias, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(7UL);
        var x = randn(rows, 1, inFeatures, generator: g).to(dtype);
        var w = randn(outFeatures, inFeatures, generator: g).div(Math.Sqrt(inFeatures));
        var b = hasBias ? randn(outFeatures, generator: g).to(dtype) : null;
        using var q = Int8Weight.Quantize(w);
        using var inference = inference_mode();
        using var floatInputs = RowLinear.UseInt8Activations(false);
        Assert.True(RowLinear.AppliesInt8(x, q, b));
        var exact = nn.functional.linear(x.to(ScalarType.Float32), q.Dequantize(ScalarType.Float32), b?.to(ScalarType.Float32));
        var actual = RowLinear.Apply(x, q, b);
        Assert.Equal(dtype, actual.dtype);
        Assert.Equal(exact.shape, actual.shape);
        var error = (actual.to(ScalarType.Float32) - exact).abs();
        var bound = dtype == ScalarType.BFloat16 ? exact.abs().mul(1.0 / 256).add(1e-3) : exact.abs().mul(1e-5).add(1e-5);
        Assert.True(error.le(bound).all().item<bool>(), $"max error {error.max().item<float>()}");
    }

    [Theory]
    [InlineData(1, 576, 960)]
    [InlineData(4, 1536, 300)]
    [InlineData(16, 64, 200)]
    public void With_int8_inputs_the_kernel_is_the_blockwise_integer_product_and_stays_close_to_the_float_one(int rows, int inFeatures, int outFeatures)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(11UL);
        var x = randn(rows, inFeatures, generator: g);
        var w = randn(outFeatures, inFeatures, generator: g).div(Math.Sqrt(inFeatures));
        using var q = Int8Weight.Quantize(w);
        using var inference = inference_mode();
        using var int8Inputs = RowLinear.UseInt8Activations(true);
        var actual = RowLinear.Apply(x, q, null).data<float>().ToArray();

        // Independent reference: quantize the inputs per block of 32 (max |x| / 127, round half to even), then
        // Σ_b wScale·xScale·Σ w·x in exact integer and float64 arithmetic.
        var xs = x.data<float>().ToArray();
        var wq = q.Values.data<sbyte>().ToArray();
        var ws = q.Scales.data<float>().ToArray();
        int blocks = inFeatures / 32;
        var exactFloat = nn.functional.linear(x, q.Dequantize(ScalarType.Float32), null).data<float>().ToArray();
        float worstToFloat = 0, scale = exactFloat.Max(Math.Abs);
        if (!System.Runtime.Intrinsics.X86.AvxVnni.IsSupported)
        {
            // Without AVX-VNNI the float-input kernel runs: it must equal the float product.
            for (int i = 0; i < actual.Length; i++) Assert.True(Math.Abs(actual[i] - exactFloat[i]) <= 1e-5f * Math.Max(1, Math.Abs(exactFloat[i])));
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            var xq = new int[inFeatures];
            var xScale = new double[blocks];
            for (int b = 0; b < blocks; b++)
            {
                float amax = 0;
                for (int i = 0; i < 32; i++) amax = Math.Max(amax, Math.Abs(xs[r * inFeatures + b * 32 + i]));
                float s = amax / 127f, inverse = s > 0 ? 1f / s : 0f;
                xScale[b] = s;
                for (int i = 0; i < 32; i++) xq[b * 32 + i] = (int)Math.Clamp(MathF.Round(xs[r * inFeatures + b * 32 + i] * inverse), -127f, 127f);
            }
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = 0;
                for (int b = 0; b < blocks; b++)
                {
                    long dot = 0;
                    for (int i = 0; i < 32; i++) dot += (long)wq[(long)o * inFeatures + b * 32 + i] * xq[b * 32 + i];
                    sum += (double)ws[o * blocks + b] * xScale[b] * dot;
                }
                float got = actual[r * outFeatures + o];
                Assert.True(Math.Abs(got - sum) <= 1e-5 * Math.Max(1, Math.Abs(sum)), $"row {r}, output {o}: {got} vs {sum}");
                worstToFloat = Math.Max(worstToFloat, Math.Abs(got - exactFloat[r * outFeatures + o]));
            }
        }
        // Quantizing the inputs costs about one part in 127 of each block's largest input.
        Assert.True(worstToFloat <= 0.03f * scale, $"int8 inputs moved an output by {worstToFloat} (outputs up to {scale})");
        Assert.True(worstToFloat > 0, "identical to the float-input product: the int8-input path did not run");
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    public void Quantizing_while_loading_equals_quantizing_after_loading(string modelType)
    {
        using var temp = new TempFolder();
        using (var source = TinyModels.Random(modelType, seed: 9)) source.SaveCheckpoint(temp.Path);
        var checkpoint = CheckpointFolder.Open(temp.Path);
        var (streamed, _, _) = Aligner.Backends.Torch.Loading.TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, quantization: TorchWeightQuantization.Int8);
        using (streamed)
        using (var after = CausalLanguageModel.Load(temp.Path, ScalarType.BFloat16))
        {
            after.QuantizeInt8();
            Assert.True(streamed.IsQuantized);
            var tokens = TinyModels.RandomTokens(7, seed: 2);
            Assert.Equal(TinyModels.FullLogits(after, tokens), TinyModels.FullLogits(streamed, tokens));
        }
        Assert.Throws<ArgumentException>(() => Aligner.Backends.Torch.Loading.TorchModelLoader.Load(checkpoint, ScalarType.Float32, META, quantization: TorchWeightQuantization.Int8));
    }

    [Fact]
    public void Prefill_sizes_and_autograd_use_the_dequantized_weight()
    {
        using var scope = NewDisposeScope();
        var w = randn(20, 40, generator: new Generator(2UL));
        using var q = Int8Weight.Quantize(w);
        var x = randn(1, RowLinear.MaxInt8Rows + 3, 40, generator: new Generator(3UL));
        Assert.False(RowLinear.AppliesInt8(x[0, ..1], q, null)); // autograd on
        using var inference = inference_mode();
        Assert.False(RowLinear.AppliesInt8(x, q, null));
        var expected = nn.functional.linear(x, q.Dequantize(ScalarType.Float32));
        Assert.True(RowLinear.Apply(x, q, null).allclose(expected, rtol: 1e-5, atol: 1e-5));
    }

    [Theory]
    [InlineData("llama")]   // untied head
    [InlineData("qwen2")]   // q/k/v biases, tied head
    [InlineData("gemma2")]  // soft-caps, sliding windows
    public void A_quantized_model_frees_its_float_weights_and_decodes_as_its_own_forward_close_to_the_float_model(string modelType)
    {
        using var reference = TinyModels.Random(modelType, seed: 21);
        using var model = TinyModels.Random(modelType, seed: 21);
        model.QuantizeInt8();
        Assert.True(model.IsQuantized);
        foreach (var layer in model.Model.Layers)
            foreach (var slot in layer.Projections())
            {
                var projection = Assert.IsType<Projection>(slot.Module);
                Assert.True(projection.IsQuantized);
                Assert.Equal(0, projection.Weight.numel());
            }

        var prompt = TinyModels.RandomTokens(6, seed: 4);
        int vocab = model.Config.VocabSize;
        var logits = new float[vocab];
        var stepLogits = new List<float[]>();
        var tokens = new List<int>(prompt);
        using (var session = new TorchDecoderSession(model, 1, prompt.Length + 6))
        {
            session.Prefill(prompt, Enumerable.Repeat(1, prompt.Length).ToArray(), prompt.Length, logits);
            for (int i = 0; i < 5; i++)
            {
                int next = Array.IndexOf(logits, logits.Max());
                tokens.Add(next);
                session.Step([next], logits);
                stepLogits.Add((float[])logits.Clone());
            }
        }
        // The whole sequence in one forward pass multiplies by dequantized weights; the steps ran the int8 kernel.
        var full = TinyModels.FullLogits(model, [.. tokens]);
        var fromFloat = TinyModels.FullLogits(reference, [.. tokens]);
        double spread = 0, drift = 0;
        for (int i = 0; i < stepLogits.Count; i++)
        {
            int position = prompt.Length + i;
            for (int v = 0; v < vocab; v++)
            {
                Assert.Equal(full[position, v], stepLogits[i][v], 2e-4f);
                spread = Math.Max(spread, Math.Abs(fromFloat[position, v]));
                drift = Math.Max(drift, Math.Abs(fromFloat[position, v] - full[position, v]));
            }
        }
        // Against the float model: within a few percent of the logits' range (8-bit weights, random tiny model).
        Assert.True(drift <= 0.05 * spread, $"int8 logits differ from float32 by {drift:F4} (largest |logit| {spread:F3})");
    }

    [Fact]
    public void Int8_is_refused_off_the_cpu_and_for_unknown_values()
    {
        var cuda = Assert.Throws<ArgumentException>(() => new TorchBackendOptions { Device = "cuda", Quantization = TorchWeightQuantization.Int8 }.Validate());
        Assert.Equal(nameof(TorchBackendOptions.Quantization), cuda.ParamName);
        var unknown = Assert.Throws<ArgumentException>(() => new TorchBackendOptions { Quantization = (TorchWeightQuantization)7 }.Validate());
        Assert.Equal(nameof(TorchBackendOptions.Quantization), unknown.ParamName);
        new TorchBackendOptions { Quantization = TorchWeightQuantization.Int8 }.Validate();
    }
}
