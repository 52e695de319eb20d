using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aligner.Checkpoints;

namespace Aligner.Gating;

/// <summary>
/// A logistic regression over the sentence embedding of an answer alone: the probability that the answer is rude,
/// dismissive or mocking, whatever the question. It complements <see cref="GateHead"/>, which reads the question and the
/// answer together and learns the kinds of answers in its training data; a tone head trained on hand-written rude
/// answers besides generated ones catches rude phrasings the gate head has not seen. <see cref="EmbeddingCorrectionGate"/>
/// flags an answer the head kept when the tone score reaches <see cref="Threshold"/> (category <see cref="Category"/>), and
/// gives that category to an answer the head flagged as harmful only by a weak harm score. Saved as <c>tone.json</c>
/// in the gate folder (weights inline: one per embedding dimension). Immutable and thread-safe.
/// </summary>
public sealed class ToneHead
{
    /// <summary>The tone head's file in a gate folder.</summary>
    public const string FileName = "tone.json";
    /// <summary>The value of <c>format</c> in <see cref="FileName"/>.</summary>
    public const string Format = "aligner-tone-head";

    private readonly float[] _weights;

    /// <summary>Creates a head from its weights.</summary>
    /// <param name="encoderModelId">The sentence encoder the head was trained on.</param>
    /// <param name="weights">One weight per embedding dimension.</param>
    /// <param name="bias">The bias.</param>
    /// <param name="threshold">Scores at or above this mark an answer as rude, in [0, 1].</param>
    /// <param name="category">The gate category a rude answer is flagged with (selects the corrector's instruction, e.g. <c>unhelpful</c>).</param>
    public ToneHead(string encoderModelId, float[] weights, float bias, double threshold, string category = "unhelpful")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encoderModelId);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrWhiteSpace(category);
        if (weights.Length == 0) throw new ArgumentException("The tone head needs one weight per embedding dimension.", nameof(weights));
        if (weights.Any(w => !float.IsFinite(w)) || !float.IsFinite(bias)) throw new ArgumentException("The tone head's weights and bias must be finite numbers.", nameof(weights));
        if (!(threshold >= 0 && threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be in [0, 1].");
        EncoderModelId = encoderModelId;
        _weights = (float[])weights.Clone();
        Bias = bias;
        Threshold = threshold;
        Category = category;
    }

    /// <summary>The sentence encoder whose embeddings the head reads.</summary>
    public string EncoderModelId { get; }
    /// <summary>The encoder's embedding size.</summary>
    public int Dimensions => _weights.Length;
    /// <summary>The bias of the logistic regression.</summary>
    public float Bias { get; }
    /// <summary>Scores at or above this mark an answer as rude.</summary>
    public double Threshold { get; }
    /// <summary>The gate category a rude answer is flagged with.</summary>
    public string Category { get; }
    /// <summary>Facts recorded at training time (data, validation figures), as saved in <see cref="FileName"/>.</summary>
    public JsonObject? TrainingInfo { get; init; }

    /// <summary>The probability that an answer with this embedding is rude or dismissive.</summary>
    /// <exception cref="ArgumentException">The embedding's size differs from <see cref="Dimensions"/>.</exception>
    public double Score(ReadOnlySpan<float> answer)
    {
        if (answer.Length != Dimensions)
            throw new ArgumentException($"The tone head expects {Dimensions}-dimensional embeddings from '{EncoderModelId}' (got {answer.Length}).", nameof(answer));
        return 1.0 / (1.0 + Math.Exp(-(TensorPrimitives.Dot(_weights, answer) + Bias)));
    }

    /// <summary>A copy of the weights.</summary>
    public float[] GetWeights() => (float[])_weights.Clone();

    /// <summary>Writes <see cref="FileName"/> into <paramref name="folder"/> (created if needed; replaced atomically).</summary>
    public void Save(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        var json = new JsonObject
        {
            ["format"] = Format,
            ["version"] = 1,
            ["encoder"] = new JsonObject { ["model_id"] = EncoderModelId, ["dimensions"] = Dimensions },
            ["input"] = "answer",
            ["category"] = Category,
            ["threshold"] = Threshold,
            ["bias"] = Bias,
            ["weights"] = new JsonArray([.. _weights.Select(w => (JsonNode?)JsonValue.Create(w))]),
            ["training"] = TrainingInfo?.DeepClone(),
        };
        AtomicFile.WriteAllBytes(Path.Combine(folder, FileName), System.Text.Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"));
    }

    /// <summary>Reads the tone head of a gate folder, or returns <see langword="null"/> when the folder has none.</summary>
    /// <exception cref="ModelFormatException">The file is malformed; the exception names the file and field.</exception>
    public static ToneHead? TryLoad(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return File.Exists(Path.Combine(folder, FileName)) ? Load(folder) : null;
    }

    /// <summary>Reads <see cref="FileName"/> from a gate folder (written by <see cref="Save"/> or <c>aligner train-tone</c>).</summary>
    /// <exception cref="ModelFormatException">The file is missing or malformed; the exception names the file and field.</exception>
    public static ToneHead Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new ModelFormatException(path, null, $"A tone head is a {FileName} file in the gate folder (written by 'aligner train-tone'); it is missing.");
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ModelFormatException(path, null, "Expected a JSON object."); }
        catch (JsonException e) { throw new ModelFormatException(path, null, $"Not valid JSON: {e.Message}", e); }
        string format = Get<string>(json, "format", path);
        if (format != Format) throw new ModelFormatException(path, "format", $"Expected '{Format}' (was '{format}').");
        int version = Get<int>(json, "version", path);
        if (version != 1) throw new NotSupportedModelException(path, "version", $"Tone head format version {version} is not supported (this build reads version 1).");
        if (json["encoder"] is not JsonObject encoder) throw new ModelFormatException(path, "encoder", "Missing: the encoder's model_id and dimensions.");
        string encoderId = Get<string>(encoder, "model_id", path, "encoder.model_id");
        int dimensions = Get<int>(encoder, "dimensions", path, "encoder.dimensions");
        if (dimensions < 1) throw new ModelFormatException(path, "encoder.dimensions", $"Must be positive (was {dimensions}).");
        string input = Get<string>(json, "input", path);
        if (input != "answer") throw new NotSupportedModelException(path, "input", $"Input '{input}' is not supported (expected 'answer').");
        if (json["weights"] is not JsonArray array) throw new ModelFormatException(path, "weights", "Missing: one number per embedding dimension.");
        if (array.Count != dimensions) throw new ModelFormatException(path, "weights", $"Has {array.Count} numbers; encoder.dimensions is {dimensions}.");
        var weights = new float[array.Count];
        for (int i = 0; i < weights.Length; i++)
        {
            if (array[i] is not JsonValue value || !value.TryGetValue<double>(out double w) || !double.IsFinite(w) || Math.Abs(w) > float.MaxValue)
                throw new ModelFormatException(path, $"weights[{i}]", "Must be a finite number.");
            weights[i] = (float)w;
        }
        double bias = Get<double>(json, "bias", path);
        if (!double.IsFinite(bias) || Math.Abs(bias) > float.MaxValue) throw new ModelFormatException(path, "bias", "Must be a finite number.");
        double threshold = Get<double>(json, "threshold", path);
        if (!(threshold >= 0 && threshold <= 1)) throw new ModelFormatException(path, "threshold", $"Must be in [0, 1] (was {threshold}).");
        string category = Get<string>(json, "category", path);
        if (string.IsNullOrWhiteSpace(category)) throw new ModelFormatException(path, "category", "Must not be blank.");
        return new ToneHead(encoderId, weights, (float)bias, threshold, category)
        {
            TrainingInfo = json["training"] as JsonObject is { } t ? (JsonObject)t.DeepClone() : null,
        };
    }

    private static T Get<T>(JsonObject node, string name, string path, string? field = null) => GateHead.Get<T>(node, name, path, field);
}
