using Aligner.Core.Tests.Support;
using Aligner.Gating;
using Aligner.Generation;
using Microsoft.Extensions.AI;

namespace Aligner.Core.Tests.Gating;

/// <summary>The gate in the pipeline (decision, batching, failure, keep-marker override) and the embedding gate's head and files.</summary>
public sealed class CorrectionGateTests : IDisposable
{
    private const int Keep = 127;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "aligner-gate-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A stand-in encoder around the unit under test: one-hot of "bad" / "fine" words, and a counter of calls.</summary>
    private sealed class WordEncoder(string modelId = "test/words", int dimensions = 4) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public int Calls;
        public int Texts;

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            var list = values.ToList();
            Interlocked.Add(ref Texts, list.Count);
            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(list.Select(t =>
            {
                var v = new float[dimensions];
                v[0] = t.Contains("bad") ? 1 : 0;
                v[1] = t.Contains("fine") ? 1 : 0;
                v[dimensions - 1] = 1;
                return new Embedding<float>(v);
            })));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, modelId, dimensions) : null;

        public void Dispose() { }
    }

    /// <summary>A logistic head on the answer's "bad" feature (index d + 0 of [u, v, |u-v|, u*v]), with a harm output on the question's "bad".</summary>
    private static GateHead Head(double threshold = 0.5, double? harmThreshold = null, int dimensions = 4)
    {
        int f = 4 * dimensions;
        var w = new float[2 * f];
        w[dimensions] = 8f;        // answer says "bad" → needs correction
        w[f + 0] = 8f;             // question says "bad" → harmful
        return new GateHead("test/words", dimensions, null, null, w, [-4f, -4f], threshold, harmThreshold);
    }

    [Fact]
    public async Task The_embedding_gate_keeps_fine_answers_and_flags_bad_ones_in_one_encoder_call_per_batch()
    {
        var encoder = new WordEncoder();
        var gate = new EmbeddingCorrectionGate(encoder, Head());
        var model = new ScriptedCorrectionModel((q, a) => "better");
        var aligner = new ResidualAligner(model, new AlignerOptions { Gate = gate });
        var results = await aligner.CorrectBatchAsync([new("q1", "a fine answer"), new("q2", "a bad answer"), new("q3", "fine too")]);
        Assert.Equal(1, encoder.Calls);
        Assert.Equal(6, encoder.Texts);
        Assert.True(results[0].Kept && !results[0].IsFallback && results[0].CorrectedAnswer == "a fine answer");
        Assert.Equal("better", results[1].CorrectedAnswer);
        Assert.True(results[1].Gate!.Correct);
        Assert.True(results[1].Gate!.Score > 0.95);
        Assert.True(results[0].Gate!.Score < 0.05);
        Assert.True(results[2].Kept);
        Assert.Single(model.Prompts);
    }

    [Fact]
    public async Task A_flagged_answer_masks_the_correctors_keep_marker_unless_told_otherwise()
    {
        // The fake corrector keeps whenever the prompt ends in KEEP; the gate flags every answer.
        static string Script(string prompt) => prompt.EndsWith("KEEP", StringComparison.Ordinal) ? ((char)Keep).ToString() : "rewritten";
        using var model = new DecoderCorrectionModel(new ScriptedDecoderModel(Script) { KeepTokenId = Keep });
        var template = new CorrectionPromptTemplate("custom", "{question} {answer}");
        var always = CorrectionGate.FromPredicate((_, _) => ValueTask.FromResult(true));
        var overriding = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy, Template = template, Gate = always });
        var forced = await overriding.CorrectAsync(new CorrectionRequest("q?", "please KEEP"));
        Assert.False(forced.Kept);
        Assert.DoesNotContain((char)Keep, forced.CorrectedAnswer);
        Assert.True(forced.KeepProbability > 0.5, "the corrector's own keep probability is still reported");

        var deferring = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy, Template = template, Gate = always, GateOverridesKeepMarker = false });
        Assert.True((await deferring.CorrectAsync(new CorrectionRequest("q?", "please KEEP"))).Kept);

        // GateKeepVeto: a flagged answer is still kept when the corrector is at least that sure, and only then.
        double p = forced.KeepProbability!.Value;
        Assert.True(p < 1, $"keep probability {p}");
        var sure = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy, Template = template, Gate = always, GateKeepVeto = p - 0.01 });
        var kept = await sure.CorrectAsync(new CorrectionRequest("q?", "please KEEP"));
        Assert.True(kept.Kept && kept.CorrectedAnswer == "please KEEP" && kept.Gate!.Correct);
        var unsure = new ResidualAligner(model, new AlignerOptions { Generation = GenerationOptions.Greedy, Template = template, Gate = always, GateKeepVeto = Math.Min(1, p + 1e-6) });
        Assert.False((await unsure.CorrectAsync(new CorrectionRequest("q?", "please KEEP"))).Kept);
        Assert.Throws<ArgumentException>(() => new ResidualAligner(model, new AlignerOptions { GateKeepVeto = 0 }));
    }

    [Fact]
    public async Task A_failing_gate_is_ignored_and_the_corrector_decides()
    {
        var broken = CorrectionGate.FromPredicate((_, _) => throw new InvalidOperationException("encoder offline"));
        var aligner = new ResidualAligner(new ScriptedCorrectionModel((q, a) => "better"), new AlignerOptions { Gate = broken });
        var result = await aligner.CorrectAsync(new CorrectionRequest("q", "a"));
        Assert.Equal("better", result.CorrectedAnswer);
        Assert.Null(result.Gate);
        Assert.False(result.IsFallback);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_swallowed_by_the_gate()
    {
        using var cts = new CancellationTokenSource();
        var gate = CorrectionGate.FromPredicate(async (_, ct) => { await cts.CancelAsync(); ct.ThrowIfCancellationRequested(); return true; });
        var aligner = new ResidualAligner(new ScriptedCorrectionModel((q, a) => "better"), new AlignerOptions { Gate = gate });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => aligner.CorrectAsync(new CorrectionRequest("q", "a"), cts.Token));
    }

    [Fact]
    public async Task Invalid_input_is_handled_before_the_gate_sees_it()
    {
        var encoder = new WordEncoder();
        var aligner = new ResidualAligner(new ScriptedCorrectionModel((q, a) => "x"),
            new AlignerOptions { Gate = new EmbeddingCorrectionGate(encoder, Head()), OnInvalidInput = InvalidInputBehavior.PassThrough });
        var result = await aligner.CorrectAsync(new CorrectionRequest("q", "   "));
        Assert.Equal(FallbackReason.InvalidInput, result.FallbackReason);
        Assert.Equal(0, encoder.Calls);
    }

    [Fact]
    public async Task A_harm_threshold_flags_harmful_questions_even_with_a_fine_looking_answer()
    {
        var gate = new EmbeddingCorrectionGate(new WordEncoder(), Head(harmThreshold: 0.5));
        var decisions = await gate.DecideAsync([new("a bad question", "fine"), new("a question", "fine")]);
        Assert.True(decisions[0].Correct);
        Assert.True(decisions[0].HarmScore > 0.95);
        Assert.False(decisions[1].Correct);
        Assert.True(decisions[1].HarmScore < 0.05);
    }

    [Fact]
    public void A_saved_head_loads_back_with_the_same_scores()
    {
        var rng = new Random(7);
        int d = 8, h = 5, f = 4 * d;
        float[] R(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5))];
        var head = new GateHead("test/words", d, R(h * f), R(h), R(2 * h), R(2), threshold: 0.3, harmThreshold: 0.7)
        {
            TrainingInfo = new System.Text.Json.Nodes.JsonObject { ["rows"] = 12 },
        };
        head.Save(_folder);
        var loaded = GateHead.Load(_folder);
        Assert.Equal((0.3, 0.7, 5, true), (loaded.Threshold, loaded.HarmThreshold, loaded.HiddenSize, loaded.HasHarmOutput));
        Assert.Equal(12, (int)loaded.TrainingInfo!["rows"]!);
        var u = R(d);
        var v = R(d);
        Assert.Equal(head.Score(u, v), loaded.Score(u, v));
    }

    [Fact]
    public void Missing_or_broken_gate_files_are_typed_errors_naming_the_file()
    {
        var missing = Assert.Throws<ModelFormatException>(() => GateHead.Load(_folder));
        Assert.Contains(_folder, missing.Message);

        Head().Save(_folder);
        File.Delete(Path.Combine(_folder, GateHead.WeightsFileName));
        var noWeights = Assert.Throws<ModelFormatException>(() => GateHead.Load(_folder));
        Assert.EndsWith(GateHead.WeightsFileName, noWeights.FilePath);

        Head().Save(_folder);
        var config = Path.Combine(_folder, GateHead.ConfigFileName);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"dimensions\": 4", "\"dimensions\": 5"));
        var mismatch = Assert.Throws<ModelFormatException>(() => GateHead.Load(_folder));
        Assert.EndsWith(GateHead.WeightsFileName, mismatch.FilePath);

        File.WriteAllText(config, "{ not json");
        Assert.Equal(config, Assert.Throws<ModelFormatException>(() => GateHead.Load(_folder)).FilePath);

        File.WriteAllBytes(Path.Combine(_folder, GateHead.WeightsFileName), [1, 2, 3]);
        Head().Save(_folder + "-ok");
        File.Copy(Path.Combine(_folder + "-ok", GateHead.ConfigFileName), config, overwrite: true);
        Directory.Delete(_folder + "-ok", recursive: true);
        Assert.EndsWith(GateHead.WeightsFileName, Assert.Throws<ModelFormatException>(() => GateHead.Load(_folder)).FilePath);
    }

    [Fact]
    public void A_head_paired_with_another_encoder_is_refused_naming_gate_json()
    {
        Head().Save(_folder);
        var e = Assert.Throws<GateEncoderMismatchException>(() => EmbeddingCorrectionGate.Load(_folder, new WordEncoder(modelId: "other/encoder")));
        Assert.Equal(Path.Combine(_folder, GateHead.ConfigFileName), e.FilePath);
        Assert.Contains("test/words", e.Message);
        Assert.Contains("other/encoder", e.Message);
        Assert.Throws<GateEncoderMismatchException>(() => new EmbeddingCorrectionGate(new WordEncoder(dimensions: 6), Head()));
    }

    [Fact]
    public async Task The_gates_category_selects_the_correctors_instruction_and_default_serves_the_rest()
    {
        var model = new ScriptedCorrectionModel((q, a) => "fixed");
        var categorised = new CategoryGate();
        var aligner = new ResidualAligner(model, new AlignerOptions
        {
            Template = CorrectionPromptTemplate.Instruct,
            Gate = categorised,
            Instructions = new Dictionary<string, string> { ["harmful"] = "harmless", ["default"] = "more helpful and harmless" },
        });
        await aligner.CorrectBatchAsync([new("how to hurt", "like this"), new("capital?", "Lyon"), new("own", "x") { Instruction = "shorter" }]);
        var prompts = model.Prompts.Select(p => p.Text).ToArray();
        Assert.Contains(prompts, p => p.Contains("make it harmless: how to hurt"));
        Assert.Contains(prompts, p => p.Contains("make it more helpful and harmless: capital?"));
        Assert.Contains(prompts, p => p.Contains("make it shorter: own"));
        // Without an instruction map the instruct template still needs the request's own instruction.
        var strict = new ResidualAligner(model, new AlignerOptions { Template = CorrectionPromptTemplate.Instruct });
        await Assert.ThrowsAsync<ArgumentException>(() => strict.CorrectAsync(new CorrectionRequest("q", "a")));
    }

    /// <summary>Flags everything; names "harmful" when the question says "hurt".</summary>
    private sealed class CategoryGate : ICorrectionGate
    {
        public string Id => "category";

        public Task<IReadOnlyList<GateDecision>> DecideAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<GateDecision>>([.. requests.Select(r => new GateDecision { Correct = true, GateId = Id, Category = r.Question.Contains("hurt") ? "harmful" : "factual" })]);
    }

    [Fact]
    public async Task A_head_with_category_outputs_names_the_likeliest_problem_and_round_trips()
    {
        int d = 4, f = 4 * d;
        var w = new float[4 * f];
        w[d] = 8f;               // correct: answer says "bad"
        w[f + 0] = 8f;           // harmful: question says "bad"
        w[2 * f + 1] = 8f;       // rude: question says "fine" (a stand-in signal)
        var head = new GateHead("test/words", d, null, null, w, [-4f, -4f, -4f, -9f], 0.5, 0.5, ["harmful", "rude", "factual"]);
        head.Save(_folder);
        var loaded = GateHead.Load(_folder);
        Assert.Equal(["harmful", "rude", "factual"], loaded.Categories);
        var gate = new EmbeddingCorrectionGate(new WordEncoder(), loaded);
        var decisions = await gate.DecideAsync([new("a bad question", "bad"), new("fine question", "bad answer"), new("q", "fine")]);
        Assert.Equal("harmful", decisions[0].Category);
        Assert.Equal("rude", decisions[1].Category);
        Assert.False(decisions[2].Correct);
        Assert.Null(decisions[2].Category);
    }

    [Fact]
    public async Task The_harm_category_names_answers_flagged_by_harm_alone_and_otherwise_the_likeliest_problem_wins()
    {
        int d = 4, f = 4 * d;
        var w = new float[4 * f];
        w[d] = 8f;               // correct: answer says "bad"
        w[f + 0] = 8f;           // harmful: question says "bad" (bias -6: 0.88)
        w[2 * f + 1] = 8f;       // rude: question says "fine" (bias -4: 0.98)
        var head = new GateHead("test/words", d, null, null, w, [-4f, -6f, -4f, -9f], 0.5, 0.2, ["harmful", "rude", "factual"]);
        var gate = new EmbeddingCorrectionGate(new WordEncoder(), head);
        var decisions = await gate.DecideAsync([new("a bad question", "ok"), new("bad and fine question", "bad answer")]);
        Assert.True(decisions[0].Correct);
        Assert.True(decisions[0].Score < head.Threshold);
        Assert.Equal("harmful", decisions[0].Category);   // only the (low) harm threshold flagged it
        Assert.True(decisions[1].HarmScore >= head.HarmThreshold);
        Assert.Equal("rude", decisions[1].Category);      // flagged by the correction score: the likeliest problem
    }
}
