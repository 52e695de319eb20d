namespace Aligner.Backends.Onnx;

/// <summary>Options of <see cref="OnnxExporter.Export"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>Protobuf cannot hold more than 2 GiB; weights above this size go to an external data file.</summary>
    public const long InlineWeightLimitBytes = (2L << 30) - (64L << 20);

    /// <summary>
    /// The graph's operators. Default <see cref="OnnxOperators.OnnxRuntime"/> (contrib operators, fastest on ONNX
    /// Runtime); <see cref="OnnxOperators.Portable"/> for other runtimes.
    /// </summary>
    public OnnxOperators Operators { get; set; } = OnnxOperators.OnnxRuntime;

    /// <summary>Element type of the weights. Default <see cref="OnnxWeightType.Float32"/>.</summary>
    public OnnxWeightType WeightType { get; set; } = OnnxWeightType.Float32;

    /// <summary>
    /// Quantize the layers' linear projections (q, k, v, o, gate, up, down) to this many bits per weight with ONNX
    /// Runtime's <c>com.microsoft.MatMulNBits</c>: 8 or 4, symmetric, one scale per block of
    /// <see cref="QuantizationBlockSize"/> input features (what ONNX Runtime GenAI's model builder emits for the CPU).
    /// The LM head is quantized to 8 bits in either case (a tied head gets a quantized copy of the embedding); embeddings
    /// and norms stay in <see cref="WeightType"/>. <see langword="null"/> (default): no quantization.
    /// The export then needs ONNX Runtime (its contrib operators); other runtimes cannot run it.
    /// </summary>
    public int? LinearWeightBits { get; set; }

    /// <summary>Input features per quantization block (a power of two, at least 16). Default 32.</summary>
    public int QuantizationBlockSize { get; set; } = 32;

    /// <summary>
    /// <c>MatMulNBits</c>'s <c>accuracy_level</c>: the least precision of the activations in the product (0 unset, 1
    /// float32, 2 float16, 3 bfloat16, 4 int8). Default 4, as ONNX Runtime GenAI's builder uses for the CPU.
    /// </summary>
    public int AccuracyLevel { get; set; } = 4;

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
        if (!Enum.IsDefined(Operators)) throw new ArgumentException($"Unknown operator set {Operators}.", nameof(Operators));
        if (!Enum.IsDefined(WeightType)) throw new ArgumentException($"Unknown weight type {WeightType}.", nameof(WeightType));
        if (LinearWeightBits is not (null or 4 or 8)) throw new ArgumentException($"LinearWeightBits must be 4, 8 or null (was {LinearWeightBits}).", nameof(LinearWeightBits));
        if (QuantizationBlockSize < 16 || (QuantizationBlockSize & (QuantizationBlockSize - 1)) != 0)
            throw new ArgumentException($"QuantizationBlockSize must be a power of two of at least 16 (was {QuantizationBlockSize}).", nameof(QuantizationBlockSize));
        if (AccuracyLevel is < 0 or > 4) throw new ArgumentException($"AccuracyLevel must be in [0, 4] (was {AccuracyLevel}).", nameof(AccuracyLevel));
        if (string.IsNullOrWhiteSpace(ModelFileName) || ModelFileName.IndexOfAny(['/', '\\']) >= 0)
            throw new ArgumentException("ModelFileName must be a plain file name.", nameof(ModelFileName));
    }
}
