using System.Text.Json;
using Aligner.Backends.Torch.Modeling;
using Xunit.Abstractions;

namespace Aligner.Backends.Torch.Tests;

/// <summary>
/// Parity with an independent float64 implementation of the Hugging Face modeling code
/// (Reference/hf_reference.py, run once; its checkpoints and logits are committed).
/// </summary>
public class ReferenceParityTests(ITestOutputHelper output)
{
    private static readonly string ReferenceFolder = Path.Combine(AppContext.BaseDirectory, "Reference");

    public static TheoryData<string> Architectures => new() { "llama", "mistral", "qwen2", "gemma", "gemma2" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Full_forward_matches_float64_reference(string arch)
    {
        var (tokens, expected) = Reference(arch);
        TorchRuntime.EnsureInitialized();
        using var model = CausalLanguageModel.Load(Path.Combine(ReferenceFolder, arch));
        var actual = TinyModels.FullLogits(model, tokens);
        double max = 0;
        for (int t = 0; t < tokens.Length; t++)
            for (int v = 0; v < expected[t].Length; v++)
                max = Math.Max(max, Math.Abs(actual[t, v] - expected[t][v]));
        output.WriteLine($"{arch}: max |logit - reference| = {max:E2} over {tokens.Length} positions");
        Assert.True(max < 1e-4, $"{arch}: max |logit - reference| = {max}");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Cached_decoding_matches_float64_reference(string arch)
    {
        var (tokens, expected) = Reference(arch);
        TorchRuntime.EnsureInitialized();
        using var model = CausalLanguageModel.Load(Path.Combine(ReferenceFolder, arch));
        int vocab = model.Config.VocabSize, prompt = 3;
        using var session = new TorchDecoderSession(model, 1, tokens.Length);
        var logits = new float[vocab];
        session.Prefill(tokens.AsSpan(0, prompt), [1, 1, 1], prompt, logits);
        double max = MaxDiff(logits, expected[prompt - 1]);
        for (int t = prompt; t < tokens.Length; t++)
        {
            session.Step(tokens.AsSpan(t, 1), logits);
            max = Math.Max(max, MaxDiff(logits, expected[t]));
        }
        output.WriteLine($"{arch}: cached decoding max |logit - reference| = {max:E2}");
        Assert.True(max < 1e-4, $"{arch}: max |logit - reference| = {max}");
    }

    [Theory]
    [InlineData("llama", "BFloat16", 0.15)]
    [InlineData("qwen2", "Float16", 0.02)]
    [InlineData("gemma2", "BFloat16", 0.15)]
    public void Half_precision_weights_stay_close_to_reference(string arch, string dtypeName, double tolerance)
    {
        var dtype = Enum.Parse<TorchSharp.torch.ScalarType>(dtypeName);
        var (tokens, expected) = Reference(arch);
        TorchRuntime.EnsureInitialized();
        using var model = CausalLanguageModel.Load(Path.Combine(ReferenceFolder, arch), dtype);
        Assert.Equal(dtype, model.Model.EmbedTokens.Weight.dtype);
        var actual = TinyModels.FullLogits(model, tokens);
        double max = 0;
        for (int t = 0; t < tokens.Length; t++)
            for (int v = 0; v < expected[t].Length; v++)
                max = Math.Max(max, Math.Abs(actual[t, v] - expected[t][v]));
        output.WriteLine($"{arch} {dtype}: max |logit - reference| = {max:E2}");
        Assert.True(max < tolerance, $"{arch} {dtype}: max |logit - reference| = {max}");
    }

    private static double MaxDiff(float[] actual, double[] expected)
    {
        double max = 0;
        for (int v = 0; v < expected.Length; v++) max = Math.Max(max, Math.Abs(actual[v] - expected[v]));
        return max;
    }

    private static (int[] Tokens, double[][] Logits) Reference(string arch)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ReferenceFolder, "reference_logits.json")));
        var entry = doc.RootElement.GetProperty("models").GetProperty(arch);
        var tokens = entry.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        var logits = entry.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        return (tokens, logits);
    }
}
