namespace Aligner.Backends.Onnx;

/// <summary>Options of <see cref="OnnxExporter.Export"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>Protobuf cannot hold more than 2 GiB; weights above this size go to an external data file.</summary>
    public const long InlineWeightLimitBytes = (2L << 30) - (64L << 20);

    /// <summary>Element type of the weights. Default <see cref="OnnxWeightType.Float32"/>.</summary>
    public OnnxWeightType WeightType { get; set; } = OnnxWeightType.Float32;

    /// <summary>File name of the model in the output folder. Default <c>model.onnx</c>.</summary>
    public string ModelFileName { get; set; } = "model.onnx";

    /// <summary>
    /// Store the weights in <c>{ModelFileName}.data</c> beside the model even when they would fit inside it.
    /// Models whose weights exceed <see cref="InlineWeightLimitBytes"/> always use external data.
    /// </summary>
    public bool ExternalData { get; set; }

    /// <summary>Write <c>genai_config.json</c> for ONNX Runtime GenAI. Default true.</summary>
    public bool WriteGenAiConfig { get; set; } = true;

    /// <summary>Copy the tokenizer and configuration files of the checkpoint beside the model. Default true.</summary>
    public bool CopyTokenizerFiles { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(WeightType)) throw new ArgumentException($"Unknown weight type {WeightType}.", nameof(WeightType));
        if (string.IsNullOrWhiteSpace(ModelFileName) || ModelFileName.IndexOfAny(['/', '\\']) >= 0)
            throw new ArgumentException("ModelFileName must be a plain file name.", nameof(ModelFileName));
    }
}
