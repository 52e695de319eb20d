namespace Aligner.Backends.Onnx;

/// <summary>What <see cref="OnnxExporter.Export"/> wrote.</summary>
/// <param name="ModelPath">The <c>.onnx</c> file.</param>
/// <param name="ExternalDataPath">The external weight file, or <see langword="null"/> when the weights are inside the model.</param>
/// <param name="GenAiConfigPath">The <c>genai_config.json</c>, or <see langword="null"/> when not written.</param>
/// <param name="CopiedFiles">Tokenizer and configuration files copied from the checkpoint.</param>
/// <param name="WeightBytes">Bytes of weight data written.</param>
public sealed record OnnxExportResult(string ModelPath, string? ExternalDataPath, string? GenAiConfigPath, IReadOnlyList<string> CopiedFiles, long WeightBytes);
