using Aligner.Gating;
using Aligner.Training.Data;
using Aligner.Training.Gating;
using Microsoft.Extensions.AI;

namespace Aligner.Training.Tests.Gating;

/// <summary>
/// The tone head trainer on answers whose tone a stand-in encoder makes learnable: each word maps to a fixed random
/// direction, and an answer is rude when it contains one of a few rude words (whatever its topic).
/// </summary>
public sealed class ToneHeadTrainerTests
{
    private static readonly string[] Topics = ["garden", "bread", "train", "river", "guitar", "tax", "paint", "cat", "phone", "rain", "chess", "soup"];
    private static readonly string[] Rude = ["idiot", "whatever", "useless"];

    private static List<CorrectionExample> Rows(int count, int seed, string rudeCategory = "unhelpful")
    {
        var rng = new Random(seed);
        var rows = new List<CorrectionExample>();
        for (int i = 0; i < count; i++)
        {
            string topic = Topics[rng.Next(Topics.Length)], other = Topics[rng.Next(Topics.Length)];
            rows.Add(rng.Next(4) switch
            {
                0 => new($"how about {topic}", $"{Rude[rng.Next(3)]} {topic} {other}", $"the {topic} is fine", rudeCategory),
                1 => new($"how to hurt with {topic}", $"take the {topic} {other}", "I can't help with that.", "harmful"), // civil in tone
                2 => new($"what is {topic}", $"the {topic} is a {other}", $"the {topic} is a {topic}", "factual"),
                _ => new($"how about {topic} {other}", $"the {topic} is fine {other}", $"the {topic} is fine {other}", "good"),
            });
        }
        return rows;
    }

    [Fact]
    public async Task Learns_which_answers_are_rude_whatever_the_topic_and_keeps_to_the_target_false_rate()
    {
        var encoder = new HashedWordEncoder();
        var result = await ToneHeadTrainer.TrainAsync(encoder, Rows(600, 1), validation: Rows(300, 2), options: new ToneTrainingOptions { TargetFalseRate = 0.02 });
        var head = result.Head;
        Assert.Equal("test/hashed-words", head.EncoderModelId);
        Assert.Equal(24, head.Dimensions);
        Assert.Equal("unhelpful", head.Category);
        Assert.True(result.ValidationFalseRate <= 0.02, $"false rate {result.ValidationFalseRate}");
        Assert.True(result.ValidationRecall >= 0.9, $"recall {result.ValidationRecall}");
        Assert.Equal(600, result.TrainingRows);

        // Unseen rows: rude words in new combinations, civil answers of every kind.
        var test = Rows(200, 3);
        var embeddings = await encoder.GenerateAsync(test.Select(r => r.Answer));
        int rude = 0, rudeRead = 0, civil = 0, civilRead = 0;
        for (int i = 0; i < test.Count; i++)
        {
            bool read = head.Score(embeddings[i].Vector.Span) >= head.Threshold;
            if (test[i].Category == "unhelpful") { rude++; rudeRead += read ? 1 : 0; } else { civil++; civilRead += read ? 1 : 0; }
        }
        Assert.True(rudeRead >= 0.9 * rude, $"{rudeRead}/{rude} rude answers read");
        Assert.True(civilRead <= 0.05 * civil, $"{civilRead}/{civil} civil answers read as rude");
        Assert.Equal(0.02, (double)head.TrainingInfo!["target_false_rate"]!);
    }

    [Fact]
    public async Task Extra_rows_teach_a_rude_category_the_training_data_lacks_and_training_is_deterministic()
    {
        // Only the weighted extra rows show the rude word "useless".
        var training = Rows(400, 4).Where(r => !r.Answer.Contains("useless")).ToList();
        var extra = Rows(60, 5).Where(r => r.Answer.Contains("useless") || r.IsIdentity).ToList();
        var options = new ToneTrainingOptions { ExtraWeight = 10, TargetFalseRate = 0.05 };
        var first = await ToneHeadTrainer.TrainAsync(new HashedWordEncoder(), training, extra, options: options);
        var second = await ToneHeadTrainer.TrainAsync(new HashedWordEncoder(), training, extra, options: options);
        Assert.Equal(first.Head.GetWeights(), second.Head.GetWeights());
        Assert.Equal(first.Head.Threshold, second.Head.Threshold);
        var encoder = new HashedWordEncoder();
        var useless = (await encoder.GenerateAsync(["useless garden soup", "useless tax chess"])).Select(e => first.Head.Score(e.Vector.Span)).ToList();
        Assert.All(useless, s => Assert.True(s >= first.Head.Threshold, $"score {s}"));
        Assert.Equal(extra.Count, (int)first.Head.TrainingInfo!["extra_rows"]!);
    }

    [Fact]
    public async Task Bad_data_and_options_are_refused_with_the_reason()
    {
        var encoder = new HashedWordEncoder();
        var civilOnly = Rows(100, 6).Where(r => r.Category != "unhelpful").ToList();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => ToneHeadTrainer.TrainAsync(encoder, civilOnly));
        Assert.Contains("rude answers", e.Message);
        var rudeOnlyValidation = Rows(50, 7).Where(r => r.Category == "unhelpful").ToList();
        e = await Assert.ThrowsAsync<ArgumentException>(() => ToneHeadTrainer.TrainAsync(encoder, Rows(100, 8), validation: rudeOnlyValidation));
        Assert.Contains("civil", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => ToneHeadTrainer.TrainAsync(encoder, Rows(100, 8), options: new ToneTrainingOptions { TargetFalseRate = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => ToneHeadTrainer.TrainAsync(encoder, Rows(100, 8), options: new ToneTrainingOptions { RudeCategories = [] }));
        await Assert.ThrowsAsync<ArgumentException>(() => ToneHeadTrainer.TrainAsync(encoder, Rows(100, 8), options: new ToneTrainingOptions { ExtraWeight = double.NaN }));
        await Assert.ThrowsAsync<ArgumentException>(() => ToneHeadTrainer.TrainAsync(encoder, Rows(100, 8), options: new ToneTrainingOptions { Category = "" }));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ToneHeadTrainer.TrainAsync(encoder, Rows(100, 8), cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task A_trained_tone_head_joins_a_gate_of_the_same_encoder()
    {
        var encoder = new HashedWordEncoder();
        var tone = (await ToneHeadTrainer.TrainAsync(encoder, Rows(400, 9))).Head;
        var gateHead = (await GateTrainer.TrainAsync(encoder, Rows(400, 10).Where(r => r.Category is "good" or "harmful").ToList(), options: new GateTrainingOptions { Epochs = 5, HiddenSize = 8 })).Head;
        var gate = new EmbeddingCorrectionGate(encoder, gateHead, tone: tone);
        var decisions = await gate.DecideAsync([new("how about cat", "idiot cat soup"), new("how about cat rain", "the cat is fine rain")]);
        Assert.True(decisions[0].Correct);
        Assert.Equal("unhelpful", decisions[0].Category);
        Assert.NotNull(decisions[0].ToneScore);
        Assert.False(decisions[1].Correct);
    }
}
