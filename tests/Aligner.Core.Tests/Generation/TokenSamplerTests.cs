using Aligner.Generation;

namespace Aligner.Core.Tests.Generation;

public class TokenSamplerTests
{
    private static TokenSampler Sampler(GenerationOptions options, int seed = 1, params int[] prompt) => new(options, prompt, seed);

    [Fact]
    public void Greedy_picks_the_argmax_first_on_ties_and_never_NaN()
    {
        var greedy = Sampler(GenerationOptions.Greedy);
        Assert.Equal(1, greedy.Sample(new float[] { 1, 5, 3 }));
        Assert.Equal(1, greedy.Sample(new float[] { 1, 5, 5 }));
        Assert.Equal(2, greedy.Sample(new float[] { float.NaN, -1, 0 }));
        Assert.Equal(0, TokenSampler.ArgMax([float.NegativeInfinity, float.NegativeInfinity]));
    }

    private static double[] Frequencies(GenerationOptions options, float[] logits, int draws = 40_000)
    {
        var sampler = Sampler(options, seed: 12345);
        var counts = new double[logits.Length];
        for (int i = 0; i < draws; i++) counts[sampler.Sample((float[])logits.Clone())]++;
        return [.. counts.Select(c => c / draws)];
    }

    /// <summary>Within 0.01: four standard deviations of a frequency over 40 000 draws.</summary>
    private static void Near(double expected, double observed) =>
        Assert.True(Math.Abs(expected - observed) < 0.01, $"expected {expected:F4}, observed {observed:F4}");

    private static double[] Softmax(IEnumerable<double> logits, double temperature)
    {
        var scaled = logits.Select(l => l / temperature).ToArray();
        double max = scaled.Max();
        var e = scaled.Select(s => Math.Exp(s - max)).ToArray();
        double sum = e.Sum();
        return [.. e.Select(x => x / sum)];
    }

    [Fact]
    public void Sampling_follows_the_tempered_softmax_restricted_to_top_k()
    {
        float[] logits = [2.0f, 1.0f, 0.5f, 3.0f, -1.0f];
        var options = new GenerationOptions { Temperature = 0.7f, TopK = 3, TopP = 1, FrequencyPenalty = 0 };
        var observed = Frequencies(options, logits);
        // Top-3 by logit: ids 3, 0, 1.
        var expected = Softmax([3.0, 2.0, 1.0], 0.7);
        Near(expected[0], observed[3]);
        Near(expected[1], observed[0]);
        Near(expected[2], observed[1]);
        Assert.Equal(0, observed[2]);
        Assert.Equal(0, observed[4]);
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_p()
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05 at temperature 1.
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f)];
        var observed = Frequencies(new GenerationOptions { Temperature = 1, TopK = 0, TopP = 0.75f, FrequencyPenalty = 0 }, logits);
        Near(0.5 / 0.8, observed[0]);
        Near(0.3 / 0.8, observed[1]);
        Assert.Equal(0, observed[2]);
        Assert.Equal(0, observed[3]);

        var all = Frequencies(new GenerationOptions { Temperature = 1, TopK = 0, TopP = 1, FrequencyPenalty = 0 }, logits);
        Near(0.15, all[2]);
        Near(0.05, all[3]);
    }

    [Fact]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_logits_of_seen_tokens()
    {
        var options = GenerationOptions.Greedy with { RepetitionPenalty = 1.2f };
        Assert.Equal(1, Sampler(options, 1, 0).Sample(new float[] { 2.0f, 1.9f }));     // 2/1.2 = 1.67 < 1.9
        Assert.Equal(0, Sampler(options, 1, 0).Sample(new float[] { 2.0f, 1.6f }));     // 1.67 > 1.6
        Assert.Equal(1, Sampler(options, 1, 0).Sample(new float[] { -1.0f, -1.1f }));   // -1.2 < -1.1
        var generated = Sampler(options);
        generated.Accept(0);
        Assert.Equal(1, generated.Sample(new float[] { 2.0f, 1.9f }));
    }

    [Fact]
    public void Frequency_penalty_counts_generated_tokens_only()
    {
        var options = GenerationOptions.Greedy with { FrequencyPenalty = 0.3f };
        var sampler = Sampler(options, 1, 0, 0, 0);
        Assert.Equal(0, sampler.Sample(new float[] { 1.0f, 0.5f }));   // prompt tokens are not penalised
        sampler.Accept(0);
        Assert.Equal(0, sampler.Sample(new float[] { 1.0f, 0.5f }));   // 1 - 0.3 = 0.7
        sampler.Accept(0);
        Assert.Equal(1, sampler.Sample(new float[] { 1.0f, 0.5f }));   // 1 - 0.6 = 0.4
    }

    [Fact]
    public void A_seed_makes_sampling_reproducible()
    {
        var options = new GenerationOptions { Temperature = 1, TopK = 0, TopP = 1, FrequencyPenalty = 0 };
        float[] logits = [.. Enumerable.Range(0, 50).Select(i => (float)Math.Sin(i))];
        List<int> Draw(int seed) { var s = Sampler(options, seed); return [.. Enumerable.Range(0, 200).Select(_ => s.Sample((float[])logits.Clone()))]; }
        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }
}
