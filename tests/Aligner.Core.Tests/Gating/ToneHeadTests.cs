using Aligner.Checkpoints;
using Aligner.Gating;
using Microsoft.Extensions.AI;

namespace Aligner.Core.Tests.Gating;

/// <summary>The tone head's file and scores, and how the embedding gate uses it.</summary>
public sealed class ToneHeadTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "aligner-tone-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A stand-in encoder: one-hot of "bad", "rude" and "harm" words, plus a constant.</summary>
    private sealed class WordEncoder(string modelId = "test/words") : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(t => new Embedding<float>(new float[]
            {
                t.Contains("bad") ? 1 : 0, t.Contains("rude") ? 1 : 0, t.Contains("harm") ? 1 : 0, 1,
            }))));

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, modelId, 4) : null;

        public void Dispose() { }
    }

    /// <summary>Outputs: correct (answer says "bad", or the question "harm"), harmful (question says "harm", weakly when it also says "bad"), unhelpful.</summary>
    private static GateHead Head()
    {
        const int d = 4, f = 4 * d;
        var w = new float[3 * f];
        w[d + 0] = 8f; w[2] = 8f;                 // correct: answer "bad" or question "harm"
        w[f + 2] = 8f; w[f + d + 0] = 3f;         // harmful: question "harm" (strong); answer "bad" (weak: 0.27)
        w[2 * f + d + 0] = 2f;                    // unhelpful: answer "bad" (0.12)
        return new GateHead("test/words", d, null, null, w, [-4f, -4f, -4f], 0.5, harmThreshold: 0.5, categories: ["harmful", "unhelpful"]);
    }

    private static ToneHead Tone(string modelId = "test/words") => new(modelId, [0f, 8f, 0f, 0f], -4f, 0.5);

    [Fact]
    public void Scores_are_a_logistic_regression_on_the_answer_and_round_trip_through_tone_json()
    {
        var tone = new ToneHead("test/words", [0f, 8f, 0f, 0f], -4f, 0.5) { TrainingInfo = new System.Text.Json.Nodes.JsonObject { ["rows"] = 7 } };
        Assert.Equal(1 / (1 + Math.Exp(4)), tone.Score([0, 0, 0, 1]), 9);
        Assert.Equal(1 / (1 + Math.Exp(-4)), tone.Score([0, 1, 0, 1]), 9);
        tone.Save(_folder);
        var loaded = ToneHead.Load(_folder);
        Assert.Equal(tone.GetWeights(), loaded.GetWeights());
        Assert.Equal(tone.Bias, loaded.Bias);
        Assert.Equal(0.5, loaded.Threshold);
        Assert.Equal("unhelpful", loaded.Category);
        Assert.Equal("test/words", loaded.EncoderModelId);
        Assert.Equal(7, (int)loaded.TrainingInfo!["rows"]!);
        Assert.Throws<ArgumentException>(() => tone.Score([1, 2, 3]));
        Directory.CreateDirectory(Path.Combine(_folder, "empty"));
        Assert.Null(ToneHead.TryLoad(Path.Combine(_folder, "empty")));
    }

    [Fact]
    public void Broken_tone_files_are_typed_errors_naming_the_file_and_field()
    {
        Tone().Save(_folder);
        string path = Path.Combine(_folder, ToneHead.FileName);
        string good = File.ReadAllText(path);
        void Expect(string text, string? field)
        {
            File.WriteAllText(path, text);
            var e = Assert.ThrowsAny<ModelFormatException>(() => ToneHead.Load(_folder));
            Assert.Contains(ToneHead.FileName, e.Message);
            if (field is not null) Assert.Contains(field, e.Message);
        }
        Expect("{ not json", null);
        Expect("[]", null);
        Expect(good.Replace("aligner-tone-head", "aligner-gate"), "format");
        Expect(good.Replace("\"version\": 1", "\"version\": 2"), "version");
        Expect(good.Replace("\"input\": \"answer\"", "\"input\": \"question\""), "input");
        Expect(good.Replace("\"dimensions\": 4", "\"dimensions\": 5"), "weights");
        Expect(good.Replace("\"threshold\": 0.5", "\"threshold\": 1.5"), "threshold");
        Expect(good.Replace("\"bias\": -4", "\"bias\": \"x\""), "bias");
        Expect(good.Replace("\"category\": \"unhelpful\"", "\"category\": \" \""), "category");
        Expect(good.Replace("\"weights\": [", "\"weights\": [\"x\","), "weights");
        File.Delete(path);
        Assert.ThrowsAny<ModelFormatException>(() => ToneHead.Load(_folder));
        Assert.Null(ToneHead.TryLoad(_folder));
        Assert.Throws<ArgumentException>(() => new ToneHead("m", [], 0, 0.5));
        Assert.Throws<ArgumentException>(() => new ToneHead("m", [float.NaN], 0, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToneHead("m", [1], 0, -0.1));
    }

    [Fact]
    public async Task The_gate_flags_rude_answers_its_head_kept_and_turns_weak_harm_flags_of_rude_answers_into_the_tone_category()
    {
        var gate = new EmbeddingCorrectionGate(new WordEncoder(), Head(), tone: Tone());
        var decisions = await gate.DecideAsync(
        [
            new("q", "a fine answer"),          // kept, civil
            new("q", "a rude answer"),          // kept by the head, rude in tone → flagged by the tone head
            new("q", "a bad answer"),           // flagged by the head (unhelpful likeliest), civil
            new("q", "a bad rude answer"),      // flagged, category unhelpful already
            new("harm q", "a rude answer"),     // flagged as harmful by the harm threshold: stays harmful
        ]);
        Assert.False(decisions[0].Correct);
        Assert.Null(decisions[0].Rule);
        Assert.True(decisions[0].ToneScore < 0.05);
        Assert.True(decisions[1].Correct);
        Assert.Equal("unhelpful", decisions[1].Category);
        Assert.Equal("tone", decisions[1].Rule);
        Assert.True(decisions[1].ToneScore > 0.95);
        Assert.True(decisions[2].Correct);
        Assert.Equal("harmful", decisions[2].Category); // the weak harm output (0.27) outranks unhelpful (0.12) without the tone head's say
        Assert.Null(decisions[2].Rule);
        Assert.True(decisions[3].Correct);
        Assert.Equal("unhelpful", decisions[3].Category); // weak harm + rude tone → the tone category
        Assert.Equal("tone", decisions[3].Rule);
        Assert.Equal("harmful", decisions[4].Category);
        Assert.Null(decisions[4].Rule);

        var withoutTone = await new EmbeddingCorrectionGate(new WordEncoder(), Head()).DecideAsync([new("q", "a rude answer")]);
        Assert.False(withoutTone[0].Correct);
        Assert.Null(withoutTone[0].ToneScore);
    }

    [Fact]
    public void A_tone_head_of_another_encoder_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new EmbeddingCorrectionGate(new WordEncoder(), Head(), tone: Tone("other/encoder")));
        Head().Save(_folder);
        Tone("other/encoder").Save(_folder);
        var e = Assert.ThrowsAny<ModelFormatException>(() => EmbeddingCorrectionGate.Load(_folder, new WordEncoder()));
        Assert.Contains(ToneHead.FileName, e.Message);
        Tone().Save(_folder);
        var gate = EmbeddingCorrectionGate.Load(_folder, new WordEncoder());
        Assert.NotNull(gate.Tone);
        File.Delete(Path.Combine(_folder, ToneHead.FileName));
        Assert.Null(EmbeddingCorrectionGate.Load(_folder, new WordEncoder()).Tone);
    }
}
