using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Aligner.Backends.Onnx;

/// <summary>
/// The inputs and outputs of a decoder with a KV cache in Hugging Face's layout, read from an ONNX session's
/// metadata: <c>input_ids</c>, <c>attention_mask</c>, optional <c>position_ids</c>,
/// <c>past_key_values.{i}.key/value</c> → <c>logits</c>, <c>present.{i}.key/value</c>.
/// </summary>
internal sealed partial class OnnxDecoderSignature
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string Logits = "logits";

    private OnnxDecoderSignature() { }

    public int LayerCount { get; private init; }
    public int KeyValueHeadCount { get; private init; }
    public int HeadDim { get; private init; }
    public int VocabularySize { get; private init; }
    public bool HasPositionIds { get; private init; }
    public TensorElementType CacheType { get; private init; }
    public TensorElementType LogitsType { get; private init; }
    public string[] PastKeys { get; private init; } = [];
    public string[] PastValues { get; private init; } = [];
    public string[] PresentKeys { get; private init; } = [];
    public string[] PresentValues { get; private init; } = [];

    [GeneratedRegex(@"^past_key_values\.(\d+)\.(key|value)$")]
    private static partial Regex PastName();

    /// <summary>Reads the signature; a missing or mistyped input or output throws <see cref="ModelFormatException"/> naming it.</summary>
    public static OnnxDecoderSignature Read(string modelPath, IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs)
    {
        RequireTensor(modelPath, inputs, InputIds, "input", TensorElementType.Int64, rank: 2);
        RequireTensor(modelPath, inputs, AttentionMask, "input", TensorElementType.Int64, rank: 2);
        bool hasPositions = inputs.ContainsKey(PositionIds);
        if (hasPositions) RequireTensor(modelPath, inputs, PositionIds, "input", TensorElementType.Int64, rank: 2);

        int layers = 0;
        foreach (var name in inputs.Keys)
        {
            var match = PastName().Match(name);
            if (match.Success) layers = Math.Max(layers, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1);
        }
        if (layers == 0)
            throw new ModelFormatException(modelPath, "past_key_values.0.key", "the model has no KV-cache inputs; Aligner needs a decoder exported with past_key_values inputs and present outputs.");
        var unknown = inputs.Keys.FirstOrDefault(n => n is not (InputIds or AttentionMask or PositionIds) && !PastName().IsMatch(n));
        if (unknown is not null)
            throw new NotSupportedModelException(modelPath, unknown, "is an input Aligner does not know how to feed (expected input_ids, attention_mask, position_ids, past_key_values.{i}.key/value).");

        var logits = RequireTensor(modelPath, outputs, Logits, "output", null, rank: 3);
        if (logits.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16))
            throw new NotSupportedModelException(modelPath, Logits, $"has element type {logits.ElementDataType}; float32 or float16 expected.");
        int vocab = logits.Dimensions[2];
        if (vocab <= 0) throw new NotSupportedModelException(modelPath, Logits, "has no fixed vocabulary dimension (axis 2).");

        var pastKeys = new string[layers];
        var pastValues = new string[layers];
        var presentKeys = new string[layers];
        var presentValues = new string[layers];
        TensorElementType cacheType = default;
        int kvHeads = 0, headDim = 0;
        for (int i = 0; i < layers; i++)
        {
            pastKeys[i] = $"past_key_values.{i}.key";
            pastValues[i] = $"past_key_values.{i}.value";
            presentKeys[i] = $"present.{i}.key";
            presentValues[i] = $"present.{i}.value";
            foreach (var (name, kind, map) in new[] { (pastKeys[i], "input", inputs), (pastValues[i], "input", inputs), (presentKeys[i], "output", outputs), (presentValues[i], "output", outputs) })
            {
                var meta = RequireTensor(modelPath, map, name, kind, null, rank: 4);
                if (meta.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16))
                    throw new NotSupportedModelException(modelPath, name, $"has element type {meta.ElementDataType}; float32 or float16 expected.");
                if (i == 0 && name == pastKeys[0])
                {
                    cacheType = meta.ElementDataType;
                    kvHeads = meta.Dimensions[1];
                    headDim = meta.Dimensions[3];
                    if (kvHeads <= 0 || headDim <= 0)
                        throw new NotSupportedModelException(modelPath, name, "must have fixed sizes on axes 1 (KV heads) and 3 (head dim).");
                }
                else if (meta.ElementDataType != cacheType || meta.Dimensions[1] != kvHeads || meta.Dimensions[3] != headDim)
                {
                    throw new ModelFormatException(modelPath, name,
                        $"is {meta.ElementDataType} [*, {meta.Dimensions[1]}, *, {meta.Dimensions[3]}] but past_key_values.0.key is {cacheType} [*, {kvHeads}, *, {headDim}].");
                }
            }
        }
        return new OnnxDecoderSignature
        {
            LayerCount = layers,
            KeyValueHeadCount = kvHeads,
            HeadDim = headDim,
            VocabularySize = vocab,
            HasPositionIds = hasPositions,
            CacheType = cacheType,
            LogitsType = logits.ElementDataType,
            PastKeys = pastKeys,
            PastValues = pastValues,
            PresentKeys = presentKeys,
            PresentValues = presentValues,
        };
    }

    private static NodeMetadata RequireTensor(string modelPath, IReadOnlyDictionary<string, NodeMetadata> map, string name, string kind, TensorElementType? type, int rank)
    {
        if (!map.TryGetValue(name, out var meta))
            throw new ModelFormatException(modelPath, name, $"the model has no {kind} named '{name}'.");
        if (!meta.IsTensor)
            throw new ModelFormatException(modelPath, name, $"the {kind} is not a tensor.");
        if (type is { } expected && meta.ElementDataType != expected)
            throw new ModelFormatException(modelPath, name, $"the {kind} has element type {meta.ElementDataType}; {expected} expected.");
        if (meta.Dimensions.Length != rank)
            throw new ModelFormatException(modelPath, name, $"the {kind} has rank {meta.Dimensions.Length}; {rank} expected.");
        return meta;
    }
}
