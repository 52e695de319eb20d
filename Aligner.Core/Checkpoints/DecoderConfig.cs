using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Aligner.Checkpoints;

/// <summary>
/// The architecture of a Llama-family decoder, read from a Hugging Face <c>config.json</c>.
/// Supported <c>model_type</c>s: <c>llama</c>, <c>mistral</c>, <c>qwen2</c>, <c>gemma</c> and <c>gemma2</c>; their differences
/// (biases, activation, Gemma's embedding scale and <c>(1 + w)</c> norm, Gemma 2's extra norms and soft-capping,
/// sliding windows) are properties here,
/// with the defaults Hugging Face's configuration classes use when a field is absent.
/// </summary>
public sealed record DecoderConfig
{
    /// <summary>The <c>model_type</c>s this class reads.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = [.. ModelFamilies.All.Select(f => f.ModelType)];

    /// <summary><c>model_type</c>: <c>llama</c>, <c>mistral</c>, <c>qwen2</c>, <c>gemma</c> or <c>gemma2</c>.</summary>
    public required string ModelType { get; init; }

    /// <summary>The <c>config.json</c> field of <see cref="KeepToken"/>.</summary>
    public const string KeepTokenField = "aligner_keep_token";

    /// <summary>The <c>config.json</c> field of <see cref="Instructions"/>.</summary>
    public const string InstructionsField = "aligner_instructions";

    /// <summary><c>hidden_size</c>: width of the residual stream.</summary>
    public required int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c>: width of the MLP.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c>: query heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c>: key/value heads (grouped-query attention when fewer than query heads).</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary><c>head_dim</c>: width of one head (default <c>hidden_size / num_attention_heads</c>; Gemma: 256).</summary>
    public required int HeadDim { get; init; }

    /// <summary><c>vocab_size</c>: rows of the embedding and width of the logits.</summary>
    public required int VocabSize { get; init; }

    /// <summary><c>max_position_embeddings</c>: the context length.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary><c>rms_norm_eps</c>.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary><c>rope_theta</c>: base of the rotary frequencies.</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary><c>rope_scaling</c>, or <see langword="null"/> for plain rotary embeddings.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary><c>tie_word_embeddings</c>: the output projection reuses <c>model.embed_tokens.weight</c>.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>
    /// <c>attention_bias</c> (Llama, Gemma): biases on the q, k, v and o projections.
    /// Qwen2 always has q/k/v biases and no o bias, whatever this says; Mistral has none.
    /// </summary>
    public bool AttentionBias { get; init; }

    /// <summary><c>mlp_bias</c> (Llama): biases on the gate, up and down projections.</summary>
    public bool MlpBias { get; init; }

    /// <summary>The MLP's activation (<c>hidden_act</c>, or Gemma's <c>hidden_activation</c>).</summary>
    public HiddenActivation HiddenActivation { get; init; } = HiddenActivation.Silu;

    /// <summary>
    /// <c>sliding_window</c>: how many positions (the query's own included) a windowed layer attends to, or
    /// <see langword="null"/> for full attention. Mistral windows every layer; Qwen2 only with
    /// <c>use_sliding_window</c>, from layer <see cref="MaxWindowLayers"/> on.
    /// </summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Qwen2 <c>max_window_layers</c>: layers below this index use full attention.</summary>
    public int MaxWindowLayers { get; init; }

    /// <summary>
    /// <c>layer_types</c>: per layer, <c>sliding_attention</c> or <c>full_attention</c>; when given, it decides which
    /// layers use <see cref="SlidingWindow"/> (instead of the architecture's default rule).
    /// </summary>
    public IReadOnlyList<string>? LayerTypes { get; init; }

    /// <summary>Gemma 2 <c>query_pre_attn_scalar</c>: attention scores are scaled by its inverse square root instead of <c>head_dim</c>'s.</summary>
    public double? QueryPreAttentionScalar { get; init; }

    /// <summary>Gemma 2 <c>attn_logit_softcapping</c>: scores become <c>cap · tanh(scores / cap)</c>; <see langword="null"/> for none.</summary>
    public double? AttentionLogitSoftcapping { get; init; }

    /// <summary>Gemma 2 <c>final_logit_softcapping</c>: logits become <c>cap · tanh(logits / cap)</c>; <see langword="null"/> for none.</summary>
    public double? FinalLogitSoftcapping { get; init; }

    /// <summary><c>bos_token_id</c>.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c> (one id or several).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>pad_token_id</c>.</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>torch_dtype</c> as written (e.g. <c>bfloat16</c>), informative only.</summary>
    public string? TorchDtype { get; init; }

    /// <summary><c>initializer_range</c>: standard deviation of the normal initialisation of new weights.</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>
    /// <c>aligner_keep_token</c> (an Aligner extension): the special token a corrector emits as its first token to mean
    /// "the answer is fine, return it unchanged". Must be a token of the checkpoint's tokenizer. Checkpoints without it
    /// (every released Aligner checkpoint) always write a correction.
    /// </summary>
    public string? KeepToken { get; init; }

    /// <summary>
    /// <c>aligner_instructions</c> (an Aligner extension): for correctors trained with the <c>instruct</c> template, the
    /// instruction it was trained with per kind of problem, e.g. <c>{"harmful": "harmless", "default": "more helpful and
    /// harmless"}</c>. A correction gate that names the problem's category (<see cref="GateDecision.Category"/>) selects
    /// the instruction; <c>default</c> serves every other request. <see langword="null"/> for correctors without it.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Instructions { get; init; }

    /// <summary>Whether the q, k and v projections have biases.</summary>
    public bool HasQkvBias => ModelType == "qwen2" || (ModelType != "mistral" && AttentionBias);

    /// <summary>Whether the o projection has a bias.</summary>
    public bool HasOutputBias => ModelType is "llama" or "gemma" or "gemma2" && AttentionBias;

    /// <summary>Whether the MLP projections have biases.</summary>
    public bool HasMlpBias => ModelType == "llama" && MlpBias;

    /// <summary>Gemma: embeddings are multiplied by <c>sqrt(hidden_size)</c> (rounded to the model's dtype).</summary>
    public bool ScalesEmbeddings => IsGemmaFamily;

    /// <summary>Gemma: RMSNorm multiplies by <c>(1 + weight)</c>, so a zero weight is the identity.</summary>
    public bool NormAddsUnitOffset => IsGemmaFamily;

    /// <summary>
    /// Gemma 2: each block normalises the attention output (<c>post_attention_layernorm</c>) and wraps the MLP in
    /// <c>pre_feedforward_layernorm</c> and <c>post_feedforward_layernorm</c>.
    /// </summary>
    public bool HasSandwichNorms => ModelType == "gemma2";

    private bool IsGemmaFamily => ModelType is "gemma" or "gemma2";

    /// <summary>Query heads that share one key/value head.</summary>
    public int QueriesPerKeyValueHead => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>The sliding window of layer <paramref name="layer"/>, or <see langword="null"/> when it attends to every earlier position.</summary>
    public int? SlidingWindowOfLayer(int layer)
    {
        if (SlidingWindow is null) return null;
        if (LayerTypes is { } types && layer < types.Count) return types[layer] == "sliding_attention" ? SlidingWindow : null;
        return ModelType switch
        {
            "mistral" => SlidingWindow,
            "qwen2" => layer >= MaxWindowLayers ? SlidingWindow : null,
            "gemma2" => layer % 2 == 0 ? SlidingWindow : null,
            _ => null,
        };
    }

    /// <summary>Creates a configuration with the defaults of <paramref name="modelType"/> (biases, activation, tying) for the given sizes.</summary>
    public static DecoderConfig Create(string modelType, int hiddenSize, int intermediateSize, int numHiddenLayers,
        int numAttentionHeads, int numKeyValueHeads, int vocabSize, int? headDim = null)
    {
        ModelFamilies.Get(modelType, "config.json");
        bool gemma = modelType is "gemma" or "gemma2";
        bool gemma2 = modelType == "gemma2";
        return new DecoderConfig
        {
            ModelType = modelType,
            HiddenSize = hiddenSize,
            IntermediateSize = intermediateSize,
            NumHiddenLayers = numHiddenLayers,
            NumAttentionHeads = numAttentionHeads,
            NumKeyValueHeads = numKeyValueHeads,
            HeadDim = headDim ?? hiddenSize / numAttentionHeads,
            VocabSize = vocabSize,
            TieWordEmbeddings = gemma,
            HiddenActivation = gemma ? HiddenActivation.GeluTanh : HiddenActivation.Silu,
            MaxWindowLayers = modelType == "qwen2" ? numHiddenLayers : 0,
            SlidingWindow = gemma2 ? 4096 : null,
            QueryPreAttentionScalar = gemma2 ? headDim ?? hiddenSize / numAttentionHeads : null,
            AttentionLogitSoftcapping = gemma2 ? 50.0 : null,
            FinalLogitSoftcapping = gemma2 ? 30.0 : null,
        };
    }

    /// <summary>Reads and validates a <c>config.json</c> (given its path, or the checkpoint folder that holds it).</summary>
    /// <exception cref="ModelFormatException">The file is missing, is not JSON, or a field is missing or invalid (the field is named).</exception>
    /// <exception cref="NotSupportedModelException">The architecture, activation or rope scaling is not supported.</exception>
    public static DecoderConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new ModelFormatException(path, null, "file not found.");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates the text of a <c>config.json</c>; <paramref name="path"/> names it in errors.</summary>
    public static DecoderConfig Parse(string json, string path)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ModelFormatException(path, null, $"is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, null, "must contain a JSON object.");
            var f = new JsonFields(doc.RootElement, path);
            var modelType = f.OptionalString("model_type") ?? throw f.Error("model_type", "is required.");
            ModelFamilies.Get(modelType, path);
            bool gemma = modelType is "gemma" or "gemma2";
            bool gemma2 = modelType == "gemma2";

            int hidden = f.RequiredInt("hidden_size");
            int heads = f.RequiredInt("num_attention_heads");
            if (hidden <= 0) throw f.Error("hidden_size", $"must be positive (was {hidden}).");
            if (heads <= 0) throw f.Error("num_attention_heads", $"must be positive (was {heads}).");
            int? headDim = f.OptionalInt("head_dim");
            if (headDim is null && !gemma && hidden % heads != 0)
                throw f.Error("hidden_size", $"({hidden}) is not a multiple of num_attention_heads ({heads}) and no head_dim is given.");

            var activationField = gemma ? "hidden_activation" : "hidden_act";
            var activationName = f.OptionalString(activationField) ?? (gemma ? "gelu_pytorch_tanh" : "silu");
            var activation = HiddenActivationNames.Parse(activationName)
                ?? throw new NotSupportedModelException(path, activationField, $"activation '{activationName}' is not supported (silu, gelu_pytorch_tanh, gelu_new, gelu).");

            int layers = f.RequiredInt("num_hidden_layers");
            int? slidingWindow = modelType switch
            {
                "mistral" => f.IsExplicitNull("sliding_window") ? null : f.OptionalInt("sliding_window") ?? 4096,
                "qwen2" => f.OptionalBool("use_sliding_window") == true ? f.OptionalInt("sliding_window") ?? 4096 : null,
                "gemma2" => f.IsExplicitNull("sliding_window") ? null : f.OptionalInt("sliding_window") ?? 4096,
                _ => null,
            };
            var layerTypes = ParseLayerTypes(doc.RootElement, path, layers);
            double? Capping(string field, double fallback) => f.IsExplicitNull(field) ? null : f.OptionalDouble(field) ?? fallback;

            var config = new DecoderConfig
            {
                ModelType = modelType,
                HiddenSize = hidden,
                IntermediateSize = f.RequiredInt("intermediate_size"),
                NumHiddenLayers = layers,
                NumAttentionHeads = heads,
                NumKeyValueHeads = f.OptionalInt("num_key_value_heads") ?? heads,
                HeadDim = headDim ?? (gemma ? 256 : hidden / heads),
                VocabSize = f.RequiredInt("vocab_size"),
                MaxPositionEmbeddings = f.OptionalInt("max_position_embeddings") ?? modelType switch
                {
                    "mistral" => 4096 * 32, "qwen2" => 32768, "gemma" or "gemma2" => 8192, _ => 2048,
                },
                RmsNormEps = f.OptionalDouble("rms_norm_eps") ?? 1e-6,
                RopeTheta = RopeParameters(doc.RootElement, path)?.OptionalDouble("rope_theta") ?? f.OptionalDouble("rope_theta") ?? 10000,
                RopeScaling = ParseRopeScaling(doc.RootElement, path),
                TieWordEmbeddings = f.OptionalBool("tie_word_embeddings") ?? gemma,
                AttentionBias = modelType is "llama" or "gemma" or "gemma2" && (f.OptionalBool("attention_bias") ?? false),
                MlpBias = modelType == "llama" && (f.OptionalBool("mlp_bias") ?? false),
                HiddenActivation = activation,
                SlidingWindow = slidingWindow,
                MaxWindowLayers = modelType == "qwen2" ? f.OptionalInt("max_window_layers") ?? 28 : 0,
                LayerTypes = layerTypes,
                QueryPreAttentionScalar = gemma2 ? f.OptionalDouble("query_pre_attn_scalar") ?? 256 : null,
                AttentionLogitSoftcapping = gemma2 ? Capping("attn_logit_softcapping", 50.0) : null,
                FinalLogitSoftcapping = gemma2 ? Capping("final_logit_softcapping", 30.0) : null,
                BosTokenId = f.OptionalInt("bos_token_id"),
                EosTokenIds = f.IntOrIntList("eos_token_id"),
                PadTokenId = f.OptionalInt("pad_token_id"),
                TorchDtype = f.OptionalString("torch_dtype") ?? f.OptionalString("dtype"),
                InitializerRange = f.OptionalDouble("initializer_range") ?? 0.02,
                KeepToken = f.OptionalString(KeepTokenField),
                Instructions = ParseInstructions(doc.RootElement, path),
            };
            config.Validate(path);
            return config;
        }
    }

    /// <summary>Throws <see cref="ModelFormatException"/> naming <paramref name="path"/> and the first inconsistent field.</summary>
    public void Validate(string path = "config.json")
    {
        ModelFamilies.Get(ModelType, path);
        static void Positive(string path, string field, long value)
        {
            if (value <= 0) throw new ModelFormatException(path, field, $"must be positive (was {value}).");
        }
        Positive(path, "hidden_size", HiddenSize);
        Positive(path, "intermediate_size", IntermediateSize);
        Positive(path, "num_hidden_layers", NumHiddenLayers);
        Positive(path, "num_attention_heads", NumAttentionHeads);
        Positive(path, "num_key_value_heads", NumKeyValueHeads);
        Positive(path, "head_dim", HeadDim);
        Positive(path, "vocab_size", VocabSize);
        Positive(path, "max_position_embeddings", MaxPositionEmbeddings);
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new ModelFormatException(path, "num_key_value_heads", $"({NumKeyValueHeads}) must divide num_attention_heads ({NumAttentionHeads}).");
        if (HeadDim % 2 != 0) throw new ModelFormatException(path, "head_dim", $"must be even for rotary embeddings (was {HeadDim}).");
        if (!(RmsNormEps > 0)) throw new ModelFormatException(path, "rms_norm_eps", $"must be positive (was {RmsNormEps}).");
        if (!(RopeTheta > 0)) throw new ModelFormatException(path, "rope_theta", $"must be positive (was {RopeTheta}).");
        if (SlidingWindow is <= 0) throw new ModelFormatException(path, "sliding_window", $"must be positive (was {SlidingWindow}).");
        if (QueryPreAttentionScalar is { } qs && !(qs > 0)) throw new ModelFormatException(path, "query_pre_attn_scalar", $"must be positive (was {qs}).");
        if (AttentionLogitSoftcapping is { } ac && !(ac > 0)) throw new ModelFormatException(path, "attn_logit_softcapping", $"must be positive or null (was {ac}).");
        if (FinalLogitSoftcapping is { } fc && !(fc > 0)) throw new ModelFormatException(path, "final_logit_softcapping", $"must be positive or null (was {fc}).");
        if (LayerTypes is { } lt && lt.Count != NumHiddenLayers)
            throw new ModelFormatException(path, "layer_types", $"has {lt.Count} entries for {NumHiddenLayers} layers.");
        if (RopeScaling is { } rs)
        {
            if (!(rs.Factor > 0)) throw new ModelFormatException(path, "rope_scaling.factor", $"must be positive (was {rs.Factor}).");
            if (rs.Type == RopeScalingType.Llama3)
            {
                if (!(rs.LowFrequencyFactor > 0)) throw new ModelFormatException(path, "rope_scaling.low_freq_factor", $"must be positive (was {rs.LowFrequencyFactor}).");
                if (!(rs.HighFrequencyFactor > rs.LowFrequencyFactor))
                    throw new ModelFormatException(path, "rope_scaling.high_freq_factor", $"must exceed low_freq_factor ({rs.HighFrequencyFactor} <= {rs.LowFrequencyFactor}).");
                if (rs.OriginalMaxPositionEmbeddings <= 0)
                    throw new ModelFormatException(path, "rope_scaling.original_max_position_embeddings", $"must be positive (was {rs.OriginalMaxPositionEmbeddings}).");
            }
        }
        foreach (var (field, id) in new[] { ("bos_token_id", BosTokenId), ("pad_token_id", PadTokenId) })
            if (id is { } v && (v < 0 || v >= VocabSize)) throw new ModelFormatException(path, field, $"({v}) is outside the vocabulary (vocab_size {VocabSize}).");
        foreach (int eos in EosTokenIds)
            if (eos < 0 || eos >= VocabSize) throw new ModelFormatException(path, "eos_token_id", $"({eos}) is outside the vocabulary (vocab_size {VocabSize}).");
    }

    private static IReadOnlyDictionary<string, string>? ParseInstructions(JsonElement root, string path)
    {
        if (!root.TryGetProperty(InstructionsField, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, InstructionsField, "must be an object mapping a category to an instruction.");
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.Value.GetString()))
                throw new ModelFormatException(path, $"{InstructionsField}.{p.Name}", "must be a non-empty string.");
            map[p.Name] = p.Value.GetString()!;
        }
        return map;
    }

    private static IReadOnlyList<string>? ParseLayerTypes(JsonElement root, string path, int layers)
    {
        if (!root.TryGetProperty("layer_types", out var lt) || lt.ValueKind == JsonValueKind.Null) return null;
        if (lt.ValueKind != JsonValueKind.Array) throw new ModelFormatException(path, "layer_types", "must be a list of strings.");
        var types = new List<string>();
        foreach (var item in lt.EnumerateArray())
        {
            var type = item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new ModelFormatException(path, "layer_types", "must be a list of strings.");
            if (type is not ("sliding_attention" or "full_attention"))
                throw new NotSupportedModelException(path, "layer_types", $"layer type '{type}' is not supported (sliding_attention, full_attention).");
            types.Add(type);
        }
        if (types.Count != layers) throw new ModelFormatException(path, "layer_types", $"has {types.Count} entries for {layers} layers.");
        return types;
    }

    /// <summary>Transformers 5 writes <c>rope_parameters</c> (theta and scaling together) instead of <c>rope_theta</c> and <c>rope_scaling</c>.</summary>
    private static JsonFields? RopeParameters(JsonElement root, string path)
    {
        if (!root.TryGetProperty("rope_parameters", out var rp) || rp.ValueKind == JsonValueKind.Null) return null;
        if (rp.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, "rope_parameters", "must be an object or null.");
        return new JsonFields(rp, path, "rope_parameters.");
    }

    private static RopeScaling? ParseRopeScaling(JsonElement root, string path)
    {
        string field = "rope_scaling";
        if (!root.TryGetProperty(field, out var rs) || rs.ValueKind == JsonValueKind.Null)
        {
            field = "rope_parameters";
            if (!root.TryGetProperty(field, out rs) || rs.ValueKind == JsonValueKind.Null) return null;
        }
        if (rs.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, field, "must be an object or null.");
        var f = new JsonFields(rs, path, field + ".");
        var typeField = f.Has("rope_type") ? "rope_type" : "type";
        var type = f.OptionalString(typeField) ?? (field == "rope_parameters" ? "default" : throw f.Error("rope_type", "is required."));
        if (type == "default") return null;
        double factor = f.OptionalDouble("factor") ?? throw f.Error("factor", "is required.");
        return type switch
        {
            "linear" => new RopeScaling(RopeScalingType.Linear, factor),
            "llama3" => new RopeScaling(RopeScalingType.Llama3, factor,
                f.OptionalDouble("low_freq_factor") ?? throw f.Error("low_freq_factor", "is required for llama3 scaling."),
                f.OptionalDouble("high_freq_factor") ?? throw f.Error("high_freq_factor", "is required for llama3 scaling."),
                f.OptionalInt("original_max_position_embeddings") ?? throw f.Error("original_max_position_embeddings", "is required for llama3 scaling.")),
            _ => throw new NotSupportedModelException(path, field + "." + typeField, $"rope scaling '{type}' is not supported (linear, llama3)."),
        };
    }

    /// <summary>Writes this configuration as a <c>config.json</c> that Hugging Face Transformers reads (atomically).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Validate(path);
        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(ToJson()));
    }

    /// <summary>This configuration as the text of a Hugging Face <c>config.json</c>.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("architectures");
            w.WriteStringValue(ModelFamilies.Get(ModelType, "config.json").HuggingFaceArchitecture);
            w.WriteEndArray();
            w.WriteString("model_type", ModelType);
            w.WriteNumber("hidden_size", HiddenSize);
            w.WriteNumber("intermediate_size", IntermediateSize);
            w.WriteNumber("num_hidden_layers", NumHiddenLayers);
            w.WriteNumber("num_attention_heads", NumAttentionHeads);
            w.WriteNumber("num_key_value_heads", NumKeyValueHeads);
            w.WriteNumber("head_dim", HeadDim);
            w.WriteNumber("vocab_size", VocabSize);
            w.WriteNumber("max_position_embeddings", MaxPositionEmbeddings);
            w.WriteNumber("rms_norm_eps", RmsNormEps);
            w.WriteNumber("rope_theta", RopeTheta);
            if (RopeScaling is { } rs)
            {
                w.WriteStartObject("rope_scaling");
                w.WriteString("rope_type", rs.Type == RopeScalingType.Linear ? "linear" : "llama3");
                w.WriteString("type", rs.Type == RopeScalingType.Linear ? "linear" : "llama3");
                w.WriteNumber("factor", rs.Factor);
                if (rs.Type == RopeScalingType.Llama3)
                {
                    w.WriteNumber("low_freq_factor", rs.LowFrequencyFactor);
                    w.WriteNumber("high_freq_factor", rs.HighFrequencyFactor);
                    w.WriteNumber("original_max_position_embeddings", rs.OriginalMaxPositionEmbeddings);
                }
                w.WriteEndObject();
            }
            else w.WriteNull("rope_scaling");
            w.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            w.WriteString(IsGemmaFamily ? "hidden_activation" : "hidden_act", HiddenActivation.ToConfigName());
            if (IsGemmaFamily) w.WriteString("hidden_act", HiddenActivation == HiddenActivation.Gelu ? "gelu" : "gelu_pytorch_tanh");
            if (ModelType is "llama" or "gemma" or "gemma2") w.WriteBoolean("attention_bias", AttentionBias);
            if (ModelType == "gemma2")
            {
                if (SlidingWindow is { } sw) w.WriteNumber("sliding_window", sw); else w.WriteNull("sliding_window");
                w.WriteNumber("query_pre_attn_scalar", QueryPreAttentionScalar ?? HeadDim);
                if (AttentionLogitSoftcapping is { } ac) w.WriteNumber("attn_logit_softcapping", ac); else w.WriteNull("attn_logit_softcapping");
                if (FinalLogitSoftcapping is { } fc) w.WriteNumber("final_logit_softcapping", fc); else w.WriteNull("final_logit_softcapping");
            }
            if (LayerTypes is { } types)
            {
                w.WriteStartArray("layer_types");
                foreach (var t in types) w.WriteStringValue(t);
                w.WriteEndArray();
            }
            if (ModelType == "llama") w.WriteBoolean("mlp_bias", MlpBias);
            if (KeepToken is { } keep) w.WriteString(KeepTokenField, keep);
            if (Instructions is { } instructions)
            {
                w.WriteStartObject(InstructionsField);
                foreach (var (category, text) in instructions) w.WriteString(category, text);
                w.WriteEndObject();
            }
            if (ModelType == "mistral")
            {
                if (SlidingWindow is { } sw) w.WriteNumber("sliding_window", sw); else w.WriteNull("sliding_window");
            }
            if (ModelType == "qwen2")
            {
                w.WriteBoolean("use_sliding_window", SlidingWindow is not null);
                w.WriteNumber("sliding_window", SlidingWindow ?? 4096);
                w.WriteNumber("max_window_layers", MaxWindowLayers);
            }
            w.WriteNumber("attention_dropout", 0);
            w.WriteNumber("initializer_range", InitializerRange);
            if (BosTokenId is { } bos) w.WriteNumber("bos_token_id", bos);
            if (EosTokenIds.Count == 1) w.WriteNumber("eos_token_id", EosTokenIds[0]);
            else if (EosTokenIds.Count > 1)
            {
                w.WriteStartArray("eos_token_id");
                foreach (int e in EosTokenIds) w.WriteNumberValue(e);
                w.WriteEndArray();
            }
            if (PadTokenId is { } pad) w.WriteNumber("pad_token_id", pad);
            w.WriteString("torch_dtype", TorchDtype ?? "float32");
            w.WriteBoolean("use_cache", true);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Value equality, comparing the token-id and layer-type lists element by element.</summary>
    public bool Equals(DecoderConfig? other) =>
        other is not null &&
        ModelType == other.ModelType && HiddenSize == other.HiddenSize && IntermediateSize == other.IntermediateSize &&
        NumHiddenLayers == other.NumHiddenLayers && NumAttentionHeads == other.NumAttentionHeads && NumKeyValueHeads == other.NumKeyValueHeads &&
        HeadDim == other.HeadDim && VocabSize == other.VocabSize && MaxPositionEmbeddings == other.MaxPositionEmbeddings &&
        RmsNormEps.Equals(other.RmsNormEps) && RopeTheta.Equals(other.RopeTheta) && Equals(RopeScaling, other.RopeScaling) &&
        TieWordEmbeddings == other.TieWordEmbeddings && AttentionBias == other.AttentionBias && MlpBias == other.MlpBias &&
        HiddenActivation == other.HiddenActivation && SlidingWindow == other.SlidingWindow && MaxWindowLayers == other.MaxWindowLayers &&
        (LayerTypes ?? []).SequenceEqual(other.LayerTypes ?? []) && (LayerTypes is null) == (other.LayerTypes is null) &&
        QueryPreAttentionScalar.Equals(other.QueryPreAttentionScalar) && AttentionLogitSoftcapping.Equals(other.AttentionLogitSoftcapping) &&
        FinalLogitSoftcapping.Equals(other.FinalLogitSoftcapping) && BosTokenId == other.BosTokenId && EosTokenIds.SequenceEqual(other.EosTokenIds) &&
        PadTokenId == other.PadTokenId && TorchDtype == other.TorchDtype && InitializerRange.Equals(other.InitializerRange);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ModelType, HiddenSize, NumHiddenLayers, NumAttentionHeads, VocabSize, EosTokenIds.Count);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{ModelType} hidden={HiddenSize} layers={NumHiddenLayers} heads={NumAttentionHeads}/{NumKeyValueHeads} head_dim={HeadDim} ffn={IntermediateSize} vocab={VocabSize}");
}
