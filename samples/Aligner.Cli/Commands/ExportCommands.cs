using System.CommandLine;
using Aligner.Backends.Onnx;
using Aligner.Cli.Io;
using Aligner.Gguf;
using Aligner.Training;
using Spectre.Console;

namespace Aligner.Cli.Commands;

/// <summary><c>aligner export-onnx</c>: a checkpoint folder to an ONNX decoder with KV cache (+ genai_config.json and tokenizer).</summary>
internal static class ExportOnnxCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var output = new Option<string>("--output", "-o") { Description = "Folder to write model.onnx, genai_config.json and the tokenizer files into.", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "Weight type: f32 or f16.", DefaultValueFactory = _ => "f32" }.AcceptOnlyFromAmong("f32", "f16");
        var quantize = new Option<string>("--quantize")
        {
            Description = "Quantize the layers' linear projections with ONNX Runtime's MatMulNBits: none (default), int8 or int4 (symmetric, blocks of 32, int8 activations); the LM head is quantized to int8 in both cases; embeddings and norms keep --dtype.",
            DefaultValueFactory = _ => "none",
        }.AcceptOnlyFromAmong("none", "int8", "int4");
        var operators = new Option<string>("--operators")
        {
            Description = "Graph operators: onnxruntime (default: ONNX Runtime's GroupQueryAttention, SkipSimplifiedLayerNormalization and packed projections, " +
                "a KV cache shared in place; needs head_dim a multiple of 16) or portable (default-domain operators only, Hugging Face's layout, for other runtimes).",
            DefaultValueFactory = _ => "onnxruntime",
        }.AcceptOnlyFromAmong("onnxruntime", "portable");
        var overwrite = CommonOptions.Overwrite("output folder");
        var command = new Command("export-onnx", "Export a checkpoint to an ONNX decoder for the ONNX Runtime backend (and ONNX Runtime GenAI).")
        {
            model, output, dtype, quantize, operators, overwrite,
        };
        command.SetGuardedAction((r, _, _) =>
        {
            var target = OutputTarget.ValidateFolderPath(r.GetValue(output)!, "--output");
            OutputTarget.RefuseExisting(target, "--output", r.GetValue(overwrite));
            var folder = AlignerHost.ResolveModelFolder(r.GetValue(model));
            if (string.Equals(target, folder.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
                throw new CliUsageException("--output must be another folder than --model.");
            var options = new OnnxExportOptions
            {
                WeightType = r.GetValue(dtype) == "f16" ? OnnxWeightType.Float16 : OnnxWeightType.Float32,
                LinearWeightBits = r.GetValue(quantize) switch { "int8" => 8, "int4" => 4, _ => null },
                Operators = r.GetValue(operators) == "portable" ? OnnxOperators.Portable : OnnxOperators.OnnxRuntime,
            };
            OnnxExportResult? result = null;
            // Written into a temporary sibling, then renamed into place: the folder holds the old export or the new one.
            AtomicFolder.Write(target, overwrite: true, temp => result = OnnxExporter.Export(folder, temp, options));
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(Path.Combine(target, Path.GetFileName(result!.ModelPath)))} ({result.WeightBytes / 1e6:F1} MB of weights)");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}

/// <summary><c>aligner export-gguf</c>: a checkpoint folder to a GGUF file for llama.cpp / Ollama.</summary>
internal static class ExportGgufCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var output = new Option<string>("--output", "-o") { Description = "The .gguf file to write.", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "Weight type of the matrices: f32, f16, bf16 or q8_0 (8-bit blocks of 32, as llama.cpp's Q8_0).", DefaultValueFactory = _ => "f32" }.AcceptOnlyFromAmong("f32", "f16", "bf16", "q8_0");
        var overwrite = CommonOptions.Overwrite("output file");
        var command = new Command("export-gguf", "Export a checkpoint to GGUF (with its tokenizer) for llama.cpp or Ollama.")
        {
            model, output, dtype, overwrite,
        };
        command.SetGuardedAction((r, _, _) =>
        {
            var path = OutputTarget.ValidateFilePath(r.GetValue(output)!, "--output");
            OutputTarget.RefuseExisting(path, "--output", r.GetValue(overwrite));
            var folder = AlignerHost.ResolveModelFolder(r.GetValue(model));
            var options = new GgufExportOptions
            {
                WeightType = r.GetValue(dtype) switch { "f16" => GgufTensorType.F16, "bf16" => GgufTensorType.BF16, "q8_0" => GgufTensorType.Q8_0, _ => GgufTensorType.F32 },
            };
            OutputTarget.WriteFile(path, temp => GgufExporter.Export(folder, temp, options));
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(path)}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
