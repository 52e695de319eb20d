using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aligner.Checkpoints;

namespace Aligner.Gating;

/// <summary>
/// A small classifier over sentence embeddings of a question (u) and its answer (v): the features are
/// [u, v, |u − v|, u ⊙ v]; one hidden ReLU layer (or none: logistic regression) and sigmoid outputs: "needs
/// correction", then optionally one per kind of problem (<see cref="Categories"/>; the first, when present, is the harm
/// output with its own <see cref="HarmThreshold"/>). Saved as <c>gate.json</c> (threshold, encoder identity, sizes) and
/// <c>gate.safetensors</c> (weights) in one folder, usually beside the corrector it guards. Immutable and thread-safe.
/// </summary>
public sealed class GateHead
{
    /// <summary>The head's description file in a gate folder.</summary>
    public const string ConfigFileName = "gate.json";
    /// <summary>The head's weights file in a gate folder.</summary>
    public const string WeightsFileName = "gate.safetensors";
    /// <summary>The value of <c>format</c> in <see cref="ConfigFileName"/>.</summary>
    public const string Format = "aligner-gate";
    /// <summary>The feature layout this version writes and reads.</summary>
    public const string FeatureLayout = "u,v,|u-v|,u*v";

    private readonly float[]? _hiddenWeight; // [hidden, features]
    private readonly float[]? _hiddenBias;   // [hidden]
    private readonly float[] _outputWeight;  // [outputs, hidden or features]
    private readonly float[] _outputBias;    // [outputs]

    /// <summary>Creates a head from its weights (row-major) and settings.</summary>
    /// <param name="encoderModelId">The sentence encoder the head was trained on (its embeddings are the only valid input).</param>
    /// <param name="dimensions">Embedding size of that encoder.</param>
    /// <param name="hiddenWeight">Hidden layer weights [hidden, 4·dimensions], or <see langword="null"/> for no hidden layer.</param>
    /// <param name="hiddenBias">Hidden layer bias [hidden], or <see langword="null"/>.</param>
    /// <param name="outputWeight">Output weights [outputs, hidden (or 4·dimensions)]; output 0 is "needs correction", outputs 1… the categories (output 1 the harm category).</param>
    /// <param name="outputBias">Output bias [outputs].</param>
    /// <param name="threshold">Scores at or above this go to the corrector.</param>
    /// <param name="harmThreshold">Harm scores at or above this also go to the corrector (with a harm output); <see langword="null"/> to use the harm score only as information.</param>
    /// <param name="categories">Names of outputs 1…; <see langword="null"/>: <c>harm</c> for a second output.</param>
    public GateHead(string encoderModelId, int dimensions, float[]? hiddenWeight, float[]? hiddenBias, float[] outputWeight, float[] outputBias, double threshold, double? harmThreshold = null,
        IReadOnlyList<string>? categories = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encoderModelId);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentNullException.ThrowIfNull(outputWeight);
        ArgumentNullException.ThrowIfNull(outputBias);
        if (!(threshold >= 0 && threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be in [0, 1].");
        if (harmThreshold is { } h && !(h >= 0 && h <= 1)) throw new ArgumentOutOfRangeException(nameof(harmThreshold), h, "The harm threshold must be in [0, 1].");
        if ((hiddenWeight is null) != (hiddenBias is null)) throw new ArgumentException("The hidden layer needs both its weight and its bias.", nameof(hiddenBias));
        int features = 4 * dimensions;
        if (hiddenWeight is not null)
        {
            if (hiddenBias!.Length == 0 || hiddenWeight.Length != hiddenBias.Length * features)
                throw new ArgumentException($"The hidden weight has {hiddenWeight.Length} values; [{hiddenBias.Length}, {features}] was expected.", nameof(hiddenWeight));
        }
        int inputs = hiddenBias?.Length ?? features;
        categories ??= outputBias.Length == 2 ? ["harm"] : [];
        if (outputBias.Length != 1 + categories.Count || outputWeight.Length != outputBias.Length * inputs)
            throw new ArgumentException($"The output layer must be [{1 + categories.Count}, {inputs}] for 'correct' and {categories.Count} categories (was {outputWeight.Length} weights, {outputBias.Length} biases).", nameof(outputWeight));
        if (categories.Any(string.IsNullOrWhiteSpace) || categories.Distinct(StringComparer.OrdinalIgnoreCase).Count() != categories.Count)
            throw new ArgumentException("Category names must be distinct and not blank.", nameof(categories));
        Categories = [.. categories];
        if (harmThreshold is not null && outputBias.Length < 2) throw new ArgumentException("A harm threshold needs a harm output.", nameof(harmThreshold));
        EncoderModelId = encoderModelId;
        Dimensions = dimensions;
        _hiddenWeight = hiddenWeight;
        _hiddenBias = hiddenBias;
        _outputWeight = outputWeight;
        _outputBias = outputBias;
        Threshold = threshold;
        HarmThreshold = harmThreshold;
    }

    /// <summary>The sentence encoder whose embeddings the head reads (e.g. <c>sentence-transformers/all-MiniLM-L6-v2</c>).</summary>
    public string EncoderModelId { get; }
    /// <summary>The encoder's embedding size.</summary>
    public int Dimensions { get; }
    /// <summary>Hidden units (0: logistic regression on the features).</summary>
    public int HiddenSize => _hiddenBias?.Length ?? 0;
    /// <summary>Names of the outputs after "needs correction" (the first is the harm output); empty when there are none.</summary>
    public IReadOnlyList<string> Categories { get; }
    /// <summary>Whether the head has a harm output (output 1, <c>Categories[0]</c>, with its own <see cref="HarmThreshold"/>).</summary>
    public bool HasHarmOutput => HarmThreshold is not null;
    /// <summary>Scores at or above this send the answer to the corrector.</summary>
    public double Threshold { get; }
    /// <summary>Harm scores at or above this also send it; <see langword="null"/> when harm is only reported.</summary>
    public double? HarmThreshold { get; }
    /// <summary>Free-form facts recorded at training time (data, sizes, validation figures), as saved in <see cref="ConfigFileName"/>.</summary>
    public JsonObject? TrainingInfo { get; init; }

    /// <summary>The feature vector of a question/answer embedding pair: [u, v, |u − v|, u ⊙ v].</summary>
    public static void Features(ReadOnlySpan<float> question, ReadOnlySpan<float> answer, Span<float> features)
    {
        int d = question.Length;
        if (answer.Length != d || features.Length != 4 * d) throw new ArgumentException($"Expected two embeddings of one size and room for {4 * d} features.");
        question.CopyTo(features);
        answer.CopyTo(features[d..]);
        TensorPrimitives.Subtract(question, answer, features.Slice(2 * d, d));
        TensorPrimitives.Abs(features.Slice(2 * d, d), features.Slice(2 * d, d));
        TensorPrimitives.Multiply(question, answer, features.Slice(3 * d, d));
    }

    /// <summary>Scores one question/answer pair: the probability that the answer needs correction, and that it is harmful (when the head has that output).</summary>
    /// <exception cref="ArgumentException">An embedding's size differs from <see cref="Dimensions"/>.</exception>
    public (double Correct, double? Harm) Score(ReadOnlySpan<float> question, ReadOnlySpan<float> answer)
    {
        var all = ScoreAll(question, answer);
        return (all[0], HasHarmOutput ? all[1] : null);
    }

    /// <summary>All output probabilities: [needs correction, then one per <see cref="Categories"/>].</summary>
    /// <exception cref="ArgumentException">An embedding's size differs from <see cref="Dimensions"/>.</exception>
    public double[] ScoreAll(ReadOnlySpan<float> question, ReadOnlySpan<float> answer)
    {
        if (question.Length != Dimensions || answer.Length != Dimensions)
            throw new ArgumentException($"The gate head expects {Dimensions}-dimensional embeddings from '{EncoderModelId}' (got {question.Length} and {answer.Length}).");
        int features = 4 * Dimensions;
        Span<float> x = features <= 4096 ? stackalloc float[features] : new float[features];
        Features(question, answer, x);
        ReadOnlySpan<float> input = x;
        float[]? hidden = null;
        if (_hiddenWeight is not null)
        {
            hidden = new float[_hiddenBias!.Length];
            for (int j = 0; j < hidden.Length; j++)
                hidden[j] = Math.Max(0f, TensorPrimitives.Dot(_hiddenWeight.AsSpan(j * features, features), x) + _hiddenBias[j]);
            input = hidden;
        }
        int n = input.Length;
        var scores = new double[_outputBias.Length];
        for (int k = 0; k < scores.Length; k++) scores[k] = Sigmoid(TensorPrimitives.Dot(_outputWeight.AsSpan(k * n, n), input) + _outputBias[k]);
        return scores;
    }

    /// <summary>Whether scores send the answer to the corrector under this head's thresholds.</summary>
    public bool ShouldCorrect(double correct, double? harm) =>
        correct >= Threshold || (HarmThreshold is { } h && harm is { } p && p >= h);

    private static double Sigmoid(float z) => 1.0 / (1.0 + Math.Exp(-z));

    /// <summary>Writes <see cref="ConfigFileName"/> and <see cref="WeightsFileName"/> into <paramref name="folder"/> (created if needed; each file replaced atomically).</summary>
    public void Save(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        var writer = new SafeTensorsWriter();
        int features = 4 * Dimensions;
        if (_hiddenWeight is not null)
        {
            writer.Add("hidden.weight", _hiddenWeight, [_hiddenBias!.Length, features]);
            writer.Add("hidden.bias", _hiddenBias, [_hiddenBias.Length]);
        }
        writer.Add("output.weight", _outputWeight, [_outputBias.Length, _outputWeight.Length / _outputBias.Length]);
        writer.Add("output.bias", _outputBias, [_outputBias.Length]);
        writer.Metadata["format"] = Format;
        writer.Save(Path.Combine(folder, WeightsFileName));

        var config = new JsonObject
        {
            ["format"] = Format,
            ["version"] = 1,
            ["encoder"] = new JsonObject { ["model_id"] = EncoderModelId, ["dimensions"] = Dimensions },
            ["features"] = FeatureLayout,
            ["hidden_size"] = HiddenSize,
            ["outputs"] = new JsonArray([.. new[] { "correct" }.Concat(Categories).Select(c => (JsonNode?)c)]),
            ["threshold"] = Threshold,
            ["harm_threshold"] = HarmThreshold,
            ["training"] = TrainingInfo?.DeepClone(),
        };
        AtomicFile.WriteAllBytes(Path.Combine(folder, ConfigFileName), System.Text.Encoding.UTF8.GetBytes(config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"));
    }

    /// <summary>Reads a gate folder written by <see cref="Save"/> (or <c>aligner train-gate</c>).</summary>
    /// <exception cref="ModelFormatException">A file is missing or malformed; the exception names the file and field.</exception>
    public static GateHead Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder)) throw new ModelFormatException(folder, null, "The gate folder does not exist.");
        string configPath = Path.Combine(folder, ConfigFileName);
        string weightsPath = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(configPath)) throw new ModelFormatException(configPath, null, $"A gate folder needs {ConfigFileName} and {WeightsFileName} (written by 'aligner train-gate'); {ConfigFileName} is missing.");
        if (!File.Exists(weightsPath)) throw new ModelFormatException(weightsPath, null, $"A gate folder needs {ConfigFileName} and {WeightsFileName}; {WeightsFileName} is missing.");

        JsonObject config;
        try { config = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject ?? throw new ModelFormatException(configPath, null, "Expected a JSON object."); }
        catch (JsonException e) { throw new ModelFormatException(configPath, null, $"Not valid JSON: {e.Message}", e); }
        string format = Get<string>(config, "format", configPath);
        if (format != Format) throw new ModelFormatException(configPath, "format", $"Expected '{Format}' (was '{format}').");
        int version = Get<int>(config, "version", configPath);
        if (version != 1) throw new NotSupportedModelException(configPath, "version", $"Gate format version {version} is not supported (this build reads version 1).");
        if (config["encoder"] is not JsonObject encoder) throw new ModelFormatException(configPath, "encoder", "Missing: the encoder's model_id and dimensions.");
        string encoderId = Get<string>(encoder, "model_id", configPath, "encoder.model_id");
        int dimensions = Get<int>(encoder, "dimensions", configPath, "encoder.dimensions");
        if (dimensions < 1) throw new ModelFormatException(configPath, "encoder.dimensions", $"Must be positive (was {dimensions}).");
        string layout = Get<string>(config, "features", configPath);
        if (layout != FeatureLayout) throw new NotSupportedModelException(configPath, "features", $"Feature layout '{layout}' is not supported (expected '{FeatureLayout}').");
        double threshold = Get<double>(config, "threshold", configPath);
        double? harmThreshold = config["harm_threshold"] is JsonValue ? Get<double>(config, "harm_threshold", configPath) : null;
        if (config["outputs"] is not JsonArray outputs || outputs.Count == 0 || outputs.Any(o => o is not JsonValue ov || !ov.TryGetValue<string>(out _)) || (string)outputs[0]! != "correct")
            throw new ModelFormatException(configPath, "outputs", "Must be a list of output names starting with \"correct\".");
        var categories = outputs.Skip(1).Select(o => (string)o!).ToList();

        float[]? hiddenWeight = null, hiddenBias = null;
        float[] outputWeight, outputBias;
        try
        {
            using var weights = SafeTensorsFile.Open(weightsPath);
            if (weights.Contains("hidden.weight")) { hiddenWeight = weights.ReadSingles("hidden.weight"); hiddenBias = weights.ReadSingles("hidden.bias"); }
            outputWeight = weights.ReadSingles("output.weight");
            outputBias = weights.ReadSingles("output.bias");
        }
        catch (ModelFormatException) { throw; }
        catch (Exception e) when (e is KeyNotFoundException or InvalidDataException or IOException or ArgumentException)
        {
            throw new ModelFormatException(weightsPath, null, $"Not a valid gate weights file: {e.Message}", e);
        }
        try
        {
            return new GateHead(encoderId, dimensions, hiddenWeight, hiddenBias, outputWeight, outputBias, threshold, harmThreshold, categories)
            {
                TrainingInfo = config["training"] as JsonObject is { } t ? (JsonObject)t.DeepClone() : null,
            };
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(weightsPath, e.ParamName, $"The weights do not match {ConfigFileName} (encoder dimensions {dimensions}): {e.Message}", e);
        }
    }

    /// <summary>A typed field of a head's JSON file, or a <see cref="ModelFormatException"/> naming the file and field.</summary>
    internal static T Get<T>(JsonObject node, string name, string path, string? field = null)
    {
        try
        {
            if (node[name] is JsonValue value && value.TryGetValue<T>(out var result)) return result;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException) { }
        throw new ModelFormatException(path, field ?? name, node.ContainsKey(name) ? $"Has the wrong type (expected {typeof(T).Name})." : "Missing.");
    }
}
