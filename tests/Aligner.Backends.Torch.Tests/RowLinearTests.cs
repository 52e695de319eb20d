using Aligner.Backends.Torch.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests;

/// <summary>
/// The decode-step matrix-vector kernel must compute what <c>nn.functional.linear</c> computes (float32 to rounding,
/// bfloat16 to one bf16 step of the output), for every shape it accepts, and leave everything else to libtorch.
/// </summary>
public class RowLinearTests
{
    public RowLinearTests() => TorchRuntime.EnsureInitialized();

    public static TheoryData<int, int, int, bool> Shapes => new()
    {
        { 1, 37, 5, false },      // below the threading threshold, odd widths (vector tails)
        { 1, 576, 960, true },    // above it, bias
        { 1, 48, 7, true },       // vector tails again, bias
        { 3, 257, 300, false },   // several rows
        { 4, 64, 1000, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32_equals_libtorch(int rows, int inFeatures, int outFeatures, bool hasBias)
    {
        using var scope = NewDisposeScope();
        var (x, w, b) = Operands(rows, inFeatures, outFeatures, hasBias, ScalarType.Float32);
        using var inference = inference_mode();
        Assert.True(RowLinear.Applies(x, w, b));
        var expected = nn.functional.linear(x, w, b);
        var actual = RowLinear.Apply(x, w, b);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5), $"max difference {(actual - expected).abs().max().item<float>()}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BFloat16_equals_libtorch_to_one_rounding_step(int rows, int inFeatures, int outFeatures, bool hasBias)
    {
        using var scope = NewDisposeScope();
        var (x, w, b) = Operands(rows, inFeatures, outFeatures, hasBias, ScalarType.BFloat16);
        using var inference = inference_mode();
        Assert.True(RowLinear.Applies(x, w, b));
        // The float32 product of the same bf16 values is the reference both round from.
        var exact = nn.functional.linear(x.to(ScalarType.Float32), w.to(ScalarType.Float32), b?.to(ScalarType.Float32));
        var actual = RowLinear.Apply(x, w, b);
        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        var error = (actual.to(ScalarType.Float32) - exact).abs();
        // bf16 keeps 8 significant bits: the rounding error is at most 2^-8 of the value (plus float32 summation noise).
        var bound = exact.abs().mul(1.0 / 256).add(1e-3);
        Assert.True(error.le(bound).all().item<bool>(), $"max error {error.max().item<float>()}");
    }

    [Fact]
    public void Rows_of_a_packed_weight_are_read_from_their_own_offset()
    {
        using var scope = NewDisposeScope();
        var packed = randn(30, 16, generator: new Generator(3UL));
        var rows = packed.narrow(0, 10, 12);
        var x = randn(1, 1, 16, generator: new Generator(4UL));
        using var inference = inference_mode();
        Assert.True(RowLinear.Applies(x, rows, null));
        Assert.True(RowLinear.Apply(x, rows, null).allclose(nn.functional.linear(x, rows), rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Autograd_prefill_sizes_other_dtypes_and_strided_weights_go_to_libtorch()
    {
        using var scope = NewDisposeScope();
        var w = randn(8, 16);
        Assert.False(RowLinear.Applies(randn(1, 16), w, null));                           // autograd on
        using var inference = inference_mode();
        Assert.True(RowLinear.Applies(randn(1, 16), w, null));
        Assert.False(RowLinear.Applies(randn(RowLinear.MaxRows + 1, 16), w, null));      // a prefill
        Assert.False(RowLinear.Applies(randn(1, 16, dtype: ScalarType.Float64), w.to(ScalarType.Float64), null));
        Assert.False(RowLinear.Applies(randn(1, 16, dtype: ScalarType.Float16), w.to(ScalarType.Float16), null));
        Assert.False(RowLinear.Applies(randn(1, 8), randn(8, 16).t(), null));               // not contiguous
        Assert.False(RowLinear.Applies(randn(1, 16, dtype: ScalarType.BFloat16), w, null)); // mixed dtypes
    }

    [Fact]
    public void A_decode_scope_runs_libtorch_single_threaded_on_this_thread_only_and_restores_it()
    {
        Assert.True(ThreadCounts.Available, "libtorch's OpenMP runtime was not found in /proc/self/maps");
        int before = get_num_threads();
        try
        {
            set_num_threads(2);
            int other = 0;
            using (RowLinear.Decode())
            {
                Assert.Equal(1, get_num_threads());
                // A thread that starts using libtorch meanwhile keeps the process default (torch.set_num_threads would leak 1 to it).
                var thread = new Thread(() => other = get_num_threads());
                thread.Start();
                thread.Join();
            }
            Assert.Equal(2, other);
            Assert.Equal(2, get_num_threads());
        }
        finally { set_num_threads(before); }
    }

    [Fact]
    public void Greedy_decoding_gives_the_same_tokens_with_and_without_the_kernel()
    {
        using var model = TinyModels.Random("qwen2", seed: 11);
        var prompt = TinyModels.RandomTokens(7, seed: 2);
        var withKernel = Decode(model, prompt);
        RowLinear.Enabled = false;
        try
        {
            var without = Decode(model, prompt);
            Assert.Equal(without.Tokens, withKernel.Tokens);
            for (int i = 0; i < without.Logits.Length; i++) Assert.Equal(without.Logits[i], withKernel.Logits[i], 1e-4f);
        }
        finally { RowLinear.Enabled = true; }
    }

    private static (int[] Tokens, float[] Logits) Decode(CausalLanguageModel model, int[] prompt)
    {
        int vocab = model.Config.VocabSize;
        var logits = new float[vocab];
        using var session = new TorchDecoderSession(model, 1, prompt.Length + 8);
        session.Prefill(prompt, Enumerable.Repeat(1, prompt.Length).ToArray(), prompt.Length, logits);
        var tokens = new List<int>();
        var all = new List<float>();
        for (int i = 0; i < 8; i++)
        {
            int next = Array.IndexOf(logits, logits.Max());
            tokens.Add(next);
            session.Step([next], logits);
            all.AddRange(logits);
        }
        return ([.. tokens], [.. all]);
    }

    private static (Tensor X, Tensor W, Tensor? B) Operands(int rows, int inFeatures, int outFeatures, bool hasBias, ScalarType dtype)
    {
        var g = new Generator(7UL);
        var x = randn(rows, 1, inFeatures, generator: g).to(dtype);
        var w = randn(outFeatures, inFeatures, generator: g).div(Math.Sqrt(inFeatures)).to(dtype);
        var b = hasBias ? randn(outFeatures, generator: g).to(dtype) : null;
        return (x, w, b);
    }
}
