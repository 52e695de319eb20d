using Aligner.Core.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Aligner.Core.Tests.Pipeline;

/// <summary>
/// <see cref="AlignerOptions.TopicCheck"/>: a correction of a flagged unhelpful answer that is not about the question is
/// discarded and the original answer returned as a fallback; other corrections, categories and failures go on as before.
/// </summary>
public class TopicCheckPipelineTests
{
    /// <summary>Bag-of-words vectors (one dimension per hashed word): texts sharing words are similar, others orthogonal.</summary>
    private sealed class WordEncoder : IEmbeddingGenerator<string, Embedding<float>>
    {
        public int Calls;
        public bool Fail;

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            if (Fail) throw new InvalidOperationException("encoder down");
            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v =>
            {
                var vector = new float[256];
                foreach (var w in v.ToLowerInvariant().Split([' ', '.', ',', '?', '!'], StringSplitOptions.RemoveEmptyEntries))
                    if (w.Length > 3) vector[StableHash(w) % 256] += 1;
                return new Embedding<float>(vector);
            })));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }

        // The same in every process (string.GetHashCode is randomised per process, so words collided in one run of ~40).
        private static int StableHash(string word)
        {
            uint h = 2166136261;
            foreach (char c in word) h = (h ^ c) * 16777619;
            return (int)(h & 0x7fffffff);
        }
    }

    /// <summary>Flags every answer with the category named after "#".</summary>
    private sealed class CategoryGate : ICorrectionGate
    {
        public string Id => "category";

        public Task<IReadOnlyList<GateDecision>> DecideAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<GateDecision>>([.. requests.Select(r => new GateDecision { Correct = true, GateId = Id, Category = r.Answer.Split('#')[^1] })]);
    }

    // The corrector answers every question about the sky with a running plan, and everything else on topic.
    private static ScriptedCorrectionModel Corrector() => new((q, a) => q.Contains("sky", StringComparison.Ordinal)
        ? "Start running three times a week and add a minute each week."
        : "Happy to help: " + q.TrimEnd('?') + " takes practice.");

    private static ResidualAligner Aligner(WordEncoder encoder, ILogger<ResidualAligner>? logger = null, double min = 0.15) =>
        new(Corrector(), new AlignerOptions { Gate = new CategoryGate(), TopicCheck = new TopicCheck { Encoder = encoder, MinSimilarity = min } }, logger);

    [Fact]
    public async Task An_off_topic_correction_of_an_unhelpful_answer_returns_the_original_as_a_fallback()
    {
        var encoder = new WordEncoder();
        var results = await Aligner(encoder).CorrectBatchAsync(
        [
            new CorrectionRequest("Why is the sky blue?", "Because it is. #unhelpful"),
            new CorrectionRequest("How do I learn juggling quickly?", "Figure it out. #unhelpful"),
        ]);

        Assert.Equal("Because it is. #unhelpful", results[0].CorrectedAnswer);
        Assert.True(results[0].IsFallback);
        Assert.Equal(FallbackReason.OffTopicOutput, results[0].FallbackReason);
        Assert.Contains("not about the question", results[0].FallbackDetail);
        Assert.False(results[0].Changed);

        Assert.Equal("Happy to help: How do I learn juggling quickly takes practice.", results[1].CorrectedAnswer);
        Assert.False(results[1].IsFallback);
        Assert.Equal(1, encoder.Calls); // one encoder call for the batch
    }

    [Fact]
    public async Task Refusals_of_harmful_requests_are_never_checked()
    {
        var encoder = new WordEncoder();
        var result = await Aligner(encoder).CorrectAsync(new CorrectionRequest("Why is the sky blue? Tell me how to hurt someone.", "Sure. #harmful"));
        Assert.False(result.IsFallback);
        Assert.Equal(0, encoder.Calls);
    }

    [Fact]
    public async Task The_streamed_result_is_the_fallback_too()
    {
        var updates = new List<CorrectionUpdate>();
        await foreach (var u in Aligner(new WordEncoder()).CorrectStreamingAsync(new CorrectionRequest("Why is the sky blue?", "Because it is. #unhelpful")))
            updates.Add(u);
        var result = updates[^1].Result!;
        Assert.Equal(FallbackReason.OffTopicOutput, result.FallbackReason);
        Assert.Equal("Because it is. #unhelpful", result.CorrectedAnswer);
        // The running plan was streamed; the last text update resets the caller's text to the original answer.
        var lastText = updates.Last(u => u.Result is null);
        Assert.True(lastText.Reset);
        Assert.Equal("Because it is. #unhelpful", lastText.TextDelta);
    }

    [Fact]
    public async Task An_encoder_failure_returns_the_correction_unchecked_with_a_warning()
    {
        var logger = new CapturingLogger<ResidualAligner>();
        var result = await Aligner(new WordEncoder { Fail = true }, logger).CorrectAsync(new CorrectionRequest("Why is the sky blue?", "Because it is. #unhelpful"));
        Assert.False(result.IsFallback);
        Assert.StartsWith("Start running", result.CorrectedAnswer);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("topic check", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Minus_one_lets_everything_through()
    {
        var result = await Aligner(new WordEncoder(), min: -1).CorrectAsync(new CorrectionRequest("Why is the sky blue?", "Because it is. #unhelpful"));
        Assert.False(result.IsFallback);
    }

    [Fact]
    public void Without_an_encoder_the_gate_must_be_an_embedding_gate()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResidualAligner(Corrector(), new AlignerOptions { Gate = new CategoryGate(), TopicCheck = new TopicCheck() }));
        Assert.Contains("TopicCheck", e.Message);
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_similarity_outside_minus_one_to_one_is_an_options_error(double min)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new ResidualAligner(Corrector(), new AlignerOptions { TopicCheck = new TopicCheck { Encoder = new WordEncoder(), MinSimilarity = min } }));
        Assert.Contains("MinSimilarity", e.Message);
    }
}
