using Microsoft.Extensions.AI;

namespace Aligner.Gating;

/// <summary>
/// The shipped gate: embeds each question and answer with a sentence encoder (any
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>; the ONNX backend's <c>OnnxSentenceEncoder</c> runs
/// all-MiniLM-L6-v2 locally) and scores the pair with a <see cref="GateHead"/> trained on correction data
/// (<c>aligner train-gate</c>). The encoder must be the one the head was trained on: its
/// <see cref="EmbeddingGeneratorMetadata.DefaultModelId"/> is checked against the head's record when the gate is created.
/// With a <see cref="ToneHead"/> (a gate folder's <c>tone.json</c>), an answer the head keeps is flagged when its tone
/// reads as rude or dismissive, and an answer the head flags as harmful without reaching the harm threshold gets the tone
/// head's category when its tone is rude (so the corrector is asked to be polite, not to refuse).
/// Thread-safe when the encoder is. The gate does not own the encoder: dispose it yourself.
/// </summary>
public sealed class EmbeddingCorrectionGate : ICorrectionGate
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _encoder;

    /// <summary>Creates the gate.</summary>
    /// <param name="encoder">The sentence encoder the head was trained on.</param>
    /// <param name="head">The trained head.</param>
    /// <param name="id">The gate's id in results (default: <c>embedding-gate</c>).</param>
    /// <param name="tone">An optional tone head trained on the same encoder.</param>
    /// <exception cref="GateEncoderMismatchException">The encoder's model id or dimensions differ from the head's record.</exception>
    /// <exception cref="ArgumentException">The tone head was trained on another encoder than the gate head.</exception>
    public EmbeddingCorrectionGate(IEmbeddingGenerator<string, Embedding<float>> encoder, GateHead head, string? id = null, ToneHead? tone = null)
    {
        _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        Head = head ?? throw new ArgumentNullException(nameof(head));
        if (tone is not null && !SameEncoder(head, tone))
            throw new ArgumentException($"The tone head reads {tone.Dimensions}-dimensional embeddings of '{tone.EncoderModelId}', the gate head {head.Dimensions}-dimensional ones of '{head.EncoderModelId}'.", nameof(tone));
        Tone = tone;
        Id = string.IsNullOrWhiteSpace(id) ? "embedding-gate" : id;
        var metadata = encoder.GetService<EmbeddingGeneratorMetadata>();
        if (metadata?.DefaultModelId is { } actual && !string.Equals(actual, head.EncoderModelId, StringComparison.Ordinal))
            throw new GateEncoderMismatchException(head.EncoderModelId, actual, null);
        if (metadata?.DefaultModelDimensions is { } dims && dims != head.Dimensions)
            throw new GateEncoderMismatchException(head.EncoderModelId, $"{metadata.DefaultModelId ?? "an encoder"} ({dims} dimensions; the head expects {head.Dimensions})", null);
    }

    /// <summary>Loads the head from <paramref name="gateFolder"/> (<see cref="GateHead.Load"/>) and creates the gate; the id is the folder's name.</summary>
    /// <exception cref="ModelFormatException">A gate file is missing or malformed.</exception>
    /// <exception cref="GateEncoderMismatchException">The encoder differs from the one the head records (<c>gate.json</c>'s encoder.model_id).</exception>
    public static EmbeddingCorrectionGate Load(string gateFolder, IEmbeddingGenerator<string, Embedding<float>> encoder)
    {
        var head = GateHead.Load(gateFolder);
        var tone = ToneHead.TryLoad(gateFolder);
        if (tone is not null && !SameEncoder(head, tone))
            throw new ModelFormatException(Path.Combine(gateFolder, ToneHead.FileName), "encoder", $"The tone head reads {tone.Dimensions}-dimensional embeddings of '{tone.EncoderModelId}', but {GateHead.ConfigFileName} records {head.Dimensions}-dimensional ones of '{head.EncoderModelId}'. Train it again with 'aligner train-tone'.");
        try { return new EmbeddingCorrectionGate(encoder, head, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(gateFolder))), tone); }
        catch (GateEncoderMismatchException e) { throw new GateEncoderMismatchException(e.ExpectedModelId, e.ActualModelId, Path.Combine(gateFolder, GateHead.ConfigFileName)); }
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <summary>The sentence encoder the gate embeds with (also used by <see cref="AlignerOptions.TopicCheck"/> when it names none).</summary>
    public IEmbeddingGenerator<string, Embedding<float>> Encoder => _encoder;

    /// <summary>The tone head, when the gate has one.</summary>
    public ToneHead? Tone { get; }

    /// <summary>The head that scores embeddings.</summary>
    public GateHead Head { get; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<GateDecision>> DecideAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0) return [];
        var texts = new string[2 * requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            texts[2 * i] = requests[i].Question ?? "";
            texts[2 * i + 1] = requests[i].Answer ?? "";
        }
        var embeddings = await _encoder.GenerateAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (embeddings.Count != texts.Length)
            throw new InvalidOperationException($"The sentence encoder returned {embeddings.Count} embeddings for {texts.Length} texts.");
        var decisions = new GateDecision[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            var scores = Head.ScoreAll(embeddings[2 * i].Vector.Span, embeddings[2 * i + 1].Vector.Span);
            double correct = scores[0];
            double? harm = Head.HasHarmOutput ? scores[1] : null;
            bool flagged = Head.ShouldCorrect(correct, harm);
            string? category = flagged ? Category(scores) : null;
            double? tone = Tone?.Score(embeddings[2 * i + 1].Vector.Span);
            string? rule = null;
            if (tone >= Tone?.Threshold)
            {
                // Rude in tone: flagged when the head kept it; a harm flag the harm threshold did not raise becomes the tone category.
                bool weakHarm = Head.Categories.Count > 0 && category == Head.Categories[0] && !(Head.HarmThreshold is { } h && harm >= h);
                if (!flagged || weakHarm) { flagged = true; category = Tone!.Category; rule = "tone"; }
            }
            decisions[i] = new GateDecision
            {
                Correct = flagged,
                Category = category,
                Score = correct,
                Threshold = Head.Threshold,
                HarmScore = harm,
                ToneScore = tone,
                ToneThreshold = Tone?.Threshold,
                GateId = Id,
                Rule = rule,
            };
        }
        return decisions;
    }

    /// <summary>
    /// The category of a flagged answer: the harm category when only the harm threshold flagged it, else the likeliest
    /// category output (so a low harm threshold catches more harmful requests without turning rude answers into refusals).
    /// </summary>
    private static bool SameEncoder(GateHead head, ToneHead tone) =>
        string.Equals(tone.EncoderModelId, head.EncoderModelId, StringComparison.Ordinal) && tone.Dimensions == head.Dimensions;

    private string? Category(double[] scores)
    {
        if (Head.Categories.Count == 0) return null;
        if (scores[0] < Head.Threshold) return Head.Categories[0];
        int best = 1;
        for (int k = 2; k < scores.Length; k++) if (scores[k] > scores[best]) best = k;
        return Head.Categories[best - 1];
    }
}

/// <summary>A gate head was paired with a sentence encoder other than the one it was trained on.</summary>
public sealed class GateEncoderMismatchException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="expectedModelId">The encoder the head records.</param>
    /// <param name="actualModelId">The encoder it was given.</param>
    /// <param name="filePath">The gate's <c>gate.json</c>, when known.</param>
    public GateEncoderMismatchException(string expectedModelId, string actualModelId, string? filePath)
        : base($"{(filePath is null ? "The gate head" : filePath)} was trained on embeddings of '{expectedModelId}' (encoder.model_id), but the gate was given '{actualModelId}'. Use that encoder, or train a head for this one with 'aligner train-gate'.")
    {
        ExpectedModelId = expectedModelId;
        ActualModelId = actualModelId;
        FilePath = filePath;
    }

    /// <summary>The encoder the head records.</summary>
    public string ExpectedModelId { get; }
    /// <summary>The encoder given.</summary>
    public string ActualModelId { get; }
    /// <summary>The gate's <c>gate.json</c>, or <see langword="null"/>.</summary>
    public string? FilePath { get; }
}
