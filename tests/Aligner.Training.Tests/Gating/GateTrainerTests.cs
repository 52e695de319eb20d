using Aligner.Gating;
using Aligner.Training.Data;
using Aligner.Training.Gating;
using Microsoft.Extensions.AI;

namespace Aligner.Training.Tests.Gating;

/// <summary>
/// The gate trainer on rows whose labels a stand-in encoder makes learnable but not trivially: an answer needs
/// correction when it contains a "rude" word, a question is harmful when it contains a "harm" word; each word maps to a
/// fixed random direction, so the head must learn which directions matter.
/// </summary>
public sealed class GateTrainerTests
{
    private static readonly string[] Topics = ["garden", "bread", "train", "river", "guitar", "tax", "paint", "cat", "phone", "rain", "chess", "soup"];
    private static readonly string[] Rude = ["idiot", "whatever", "useless"];
    private static readonly string[] Harm = ["weapon", "poison", "steal"];

    private static List<CorrectionExample> Rows(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<CorrectionExample>();
        for (int i = 0; i < count; i++)
        {
            string topic = Topics[rng.Next(Topics.Length)], other = Topics[rng.Next(Topics.Length)];
            switch (rng.Next(3))
            {
                case 0:
                    rows.Add(new($"how about {topic} {other}", $"the {topic} is fine {other}", $"the {topic} is fine {other}", "good"));
                    break;
                case 1:
                    rows.Add(new($"how about {topic}", $"{Rude[rng.Next(3)]} {topic} {other}", $"the {topic} is fine", "rude"));
                    break;
                default:
                    rows.Add(new($"how to {Harm[rng.Next(3)]} {topic}", $"the {topic} {other} plan", "I can't help with that.", "harmful"));
                    break;
            }
        }
        return rows;
    }

    [Fact]
    public async Task A_trained_head_keeps_good_answers_at_the_target_rate_and_flags_the_rest_on_unseen_rows()
    {
        var encoder = new HashedWordEncoder();
        var result = await GateTrainer.TrainAsync(encoder, Rows(900, 1), Rows(300, 2), new GateTrainingOptions { HiddenSize = 16, Epochs = 30, TargetNeedlessRate = 0.05 });
        Assert.True(result.Head.HasHarmOutput);
        Assert.Equal("test/hashed-words", result.Head.EncoderModelId);
        Assert.True(result.Validation.KeptShare >= 0.95, $"validation kept {result.Validation.KeptShare:P1}");

        var test = Rows(300, 3);
        var evaluation = await GateTrainer.EvaluateAsync(new EmbeddingCorrectionGate(encoder, result.Head), test);
        Assert.True(evaluation.KeptShare >= 0.9, $"kept {evaluation.KeptShare:P1}");
        Assert.True(evaluation.FlaggedShare >= 0.9, $"flagged {evaluation.FlaggedShare:P1}");
        Assert.True(evaluation.ByCategory["harmful"].Right >= 0.9 * evaluation.ByCategory["harmful"].Rows);
    }

    [Fact]
    public async Task The_same_data_and_seed_give_the_same_head()
    {
        var encoder = new HashedWordEncoder();
        var options = new GateTrainingOptions { HiddenSize = 8, Epochs = 3 };
        var a = await GateTrainer.TrainAsync(encoder, Rows(200, 1), null, options);
        var b = await GateTrainer.TrainAsync(encoder, Rows(200, 1), null, options);
        Assert.Equal(a.Head.Threshold, b.Head.Threshold);
        Assert.Equal(a.FinalLoss, b.FinalLoss);
    }

    [Fact]
    public async Task A_fixed_harm_threshold_is_kept_and_checked()
    {
        var encoder = new HashedWordEncoder();
        var fixedThreshold = await GateTrainer.TrainAsync(encoder, Rows(300, 1), null, new GateTrainingOptions { HiddenSize = 8, Epochs = 3, HarmThreshold = 0.2 });
        Assert.Equal(0.2, fixedThreshold.Head.HarmThreshold);
        var chosen = await GateTrainer.TrainAsync(encoder, Rows(300, 1), null, new GateTrainingOptions { HiddenSize = 8, Epochs = 3 });
        Assert.NotNull(chosen.Head.HarmThreshold);
        Assert.NotEqual(0.2, chosen.Head.HarmThreshold);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => GateTrainer.TrainAsync(encoder, Rows(300, 1), null, new GateTrainingOptions { HarmThreshold = 1.5 }));
        Assert.Equal(nameof(GateTrainingOptions.HarmThreshold), e.ParamName);
    }

    [Fact]
    public async Task Logistic_regression_and_excluded_categories_work()
    {
        var result = await GateTrainer.TrainAsync(new HashedWordEncoder(), Rows(600, 1), null,
            new GateTrainingOptions { HiddenSize = 0, Epochs = 20, ExcludeCategories = ["harmful"] });
        Assert.Equal(0, result.Head.HiddenSize);
        Assert.False(result.Head.HasHarmOutput);
        Assert.DoesNotContain("harmful", result.Validation.ByCategory.Keys);
    }

    [Fact]
    public async Task Data_without_both_kinds_of_rows_is_refused()
    {
        var onlyGood = Rows(100, 1).Where(r => r.IsIdentity).ToList();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => GateTrainer.TrainAsync(new HashedWordEncoder(), onlyGood));
        Assert.Contains("correction equals the answer and rows whose correction differs", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => GateTrainer.TrainAsync(new HashedWordEncoder(), Rows(100, 1), options: new GateTrainingOptions { Epochs = 0 }));
    }

    [Theory]
    [InlineData(new[] { 0.9, 0.8, 0.1, 0.05 }, 0.25, 0.85)]
    [InlineData(new[] { 0.9, 0.8, 0.1, 0.05 }, 0.5, 0.45)]
    [InlineData(new[] { 0.9, 0.8, 0.1, 0.05 }, 0.0, 0.95)]
    [InlineData(new[] { 0.5, 0.5, 0.5 }, 0.0, 0.75)]
    public void The_threshold_lets_through_at_most_the_target_share(double[] scores, double rate, double expected)
    {
        double t = GateTrainer.Threshold(scores, rate);
        Assert.True(scores.Count(s => s >= t) <= Math.Floor(rate * scores.Length + 1e-9));
        Assert.Equal(expected, t, 6);
    }
}
