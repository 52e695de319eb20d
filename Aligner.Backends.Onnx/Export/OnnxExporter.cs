using System.Globalization;
using Aligner.Backends.Onnx.Export;
using Aligner.Backends.Onnx.Protobuf;
using Aligner.Checkpoints;
using Google.Protobuf;

namespace Aligner.Backends.Onnx;

/// <summary>
/// Exports a Hugging Face checkpoint folder (Llama, Mistral, Qwen2 or Gemma; <c>config.json</c> + safetensors) to an
/// ONNX decoder with a KV cache in the layout of Hugging Face's exporter and ONNX Runtime GenAI, plus
/// <c>genai_config.json</c> and the tokenizer files. Pure .NET: no Python, no libtorch.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Files copied from the checkpoint beside the model when they exist.</summary>
    public static IReadOnlyList<string> CompanionFiles { get; } =
    [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "tokenizer.model",
        "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt",
    ];

    /// <summary>Exports <paramref name="checkpointFolder"/> into <paramref name="outputFolder"/> (created if needed).</summary>
    /// <param name="checkpointFolder">A folder with <c>config.json</c> and <c>model.safetensors</c> (or a sharded index).</param>
    /// <param name="outputFolder">Where the model and its companion files go (not the checkpoint folder itself).</param>
    /// <param name="options">Weight type, external data, companion files.</param>
    /// <returns>The files written.</returns>
    /// <exception cref="ModelFormatException">The checkpoint is missing a file or tensor, or a tensor's shape disagrees with <c>config.json</c>.</exception>
    /// <exception cref="NotSupportedModelException">The architecture or one of its options is not supported.</exception>
    public static OnnxExportResult Export(string checkpointFolder, string outputFolder, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointFolder);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        options ??= new OnnxExportOptions();
        options.Validate();
        var checkpoint = CheckpointFolder.Open(checkpointFolder);
        var output = Path.GetFullPath(outputFolder);
        if (string.Equals(output.TrimEnd(Path.DirectorySeparatorChar), checkpoint.Path.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            throw new ArgumentException("The output folder must differ from the checkpoint folder.", nameof(outputFolder));
        Directory.CreateDirectory(output);

        var config = checkpoint.Config;
        ModelFamilies.Require(config.ModelType, ModelTarget.OnnxExport, Path.Combine(checkpoint.Path, CheckpointFolder.ConfigFileName));
        if (options.Operators == OnnxOperators.OnnxRuntime && config.HeadDim % 16 != 0)
            throw new NotSupportedModelException(Path.Combine(checkpoint.Path, CheckpointFolder.ConfigFileName), "head_dim",
                $"is {config.HeadDim}; ONNX Runtime's GroupQueryAttention needs a multiple of 16. Export with Operators = Portable (CLI: --operators portable).");
        using var weights = checkpoint.OpenWeights();
        var type = options.WeightType == OnnxWeightType.Float16 ? TensorProto.Types.DataType.Float16 : TensorProto.Types.DataType.Float;
        long estimatedBytes = weights.Names.Sum(n => weights.GetInfo(n).ElementCount) * (type == TensorProto.Types.DataType.Float ? 4 : 2);
        bool external = options.ExternalData || estimatedBytes > OnnxExportOptions.InlineWeightLimitBytes;

        string modelPath = Path.Combine(output, options.ModelFileName);
        string? dataPath = external ? modelPath + ".data" : null;
        ModelProto model;
        long weightBytes;
        using (var store = new InitializerStore(type, dataPath))
        {
            var metadata = new Dictionary<string, string>
            {
                ["aligner.model_type"] = config.ModelType,
                ["aligner.source"] = checkpoint.Name,
                ["aligner.weight_type"] = options.WeightType.ToString(),
                ["aligner.context_length"] = config.MaxPositionEmbeddings.ToString(CultureInfo.InvariantCulture),
            };
            var quantization = options.LinearWeightBits is { } bits ? new LinearQuantization(bits, options.QuantizationBlockSize, options.AccuracyLevel) : null;
            metadata["aligner.operators"] = options.Operators.ToString();
            model = options.Operators == OnnxOperators.OnnxRuntime
                ? ContribDecoderGraphWriter.Write(config, name => ReadTensor(weights, name), store, checkpoint.Path, metadata, quantization)
                : DecoderGraphWriter.Write(config, name => ReadTensor(weights, name), store, checkpoint.Path, metadata, quantization);
            weightBytes = store.BytesWritten;
        }
        using (var stream = new FileStream(modelPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            model.WriteTo(stream);

        var copied = new List<string>();
        if (options.CopyTokenizerFiles)
            foreach (var file in CompanionFiles)
            {
                var source = Path.Combine(checkpoint.Path, file);
                if (!File.Exists(source)) continue;
                var destination = Path.Combine(output, file);
                File.Copy(source, destination, overwrite: true);
                copied.Add(destination);
            }
        string? genAi = options.WriteGenAiConfig
            ? GenAiConfigWriter.Write(output, options.ModelFileName, config, checkpoint.EosTokenIds, checkpoint.Generation?.PadTokenId,
                sharesCache: options.Operators == OnnxOperators.OnnxRuntime)
            : null;
        return new OnnxExportResult(modelPath, dataPath, genAi, copied, weightBytes);
    }

    private static CheckpointTensor ReadTensor(CheckpointWeights weights, string name)
    {
        var info = weights.GetInfo(name);
        return new CheckpointTensor(weights.ReadSingles(name), [.. info.Shape]);
    }
}
