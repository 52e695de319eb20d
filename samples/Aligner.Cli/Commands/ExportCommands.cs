using System.CommandLine;
using Aligner.Backends.Onnx;
using Aligner.Gguf;
using Spectre.Console;

namespace Aligner.Cli.Commands;

/// <summary><c>aligner export-onnx</c>: a checkpoint folder to an ONNX decoder with KV cache (+ genai_config.json and tokenizer).</summary>
internal static class ExportOnnxCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var output = new Option<string>("--output", "-o") { Description = "Folder to write model.onnx, genai_config.json and the tokenizer files into.", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "Weight type: f32 or f16.", DefaultValueFactory = _ => "f32" };
        var command = new Command("export-onnx", "Export a checkpoint to an ONNX decoder for the ONNX Runtime backend (and ONNX Runtime GenAI).")
        {
            model, output, dtype,
        };
        command.SetGuardedAction((r, _, _) =>
        {
            var folder = AlignerHost.ResolveModelFolder(r.GetValue(model));
            var options = new OnnxExportOptions
            {
                WeightType = r.GetValue(dtype)!.ToLowerInvariant() switch
                {
                    "f32" or "float32" => OnnxWeightType.Float32,
                    "f16" or "float16" => OnnxWeightType.Float16,
                    var other => throw new CliUsageException($"--dtype '{other}' is not one of f32, f16."),
                },
            };
            var result = OnnxExporter.Export(folder, Path.GetFullPath(r.GetValue(output)!), options);
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(result.ModelPath)} ({result.WeightBytes / 1e6:F1} MB of weights)");
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
        var dtype = new Option<string>("--dtype") { Description = "Weight type: f32 or f16.", DefaultValueFactory = _ => "f32" };
        var command = new Command("export-gguf", "Export a checkpoint to GGUF (with its tokenizer) for llama.cpp or Ollama.")
        {
            model, output, dtype,
        };
        command.SetGuardedAction((r, _, _) =>
        {
            var folder = AlignerHost.ResolveModelFolder(r.GetValue(model));
            var options = new GgufExportOptions
            {
                WeightType = r.GetValue(dtype)!.ToLowerInvariant() switch
                {
                    "f32" or "float32" => GgufTensorType.F32,
                    "f16" or "float16" => GgufTensorType.F16,
                    var other => throw new CliUsageException($"--dtype '{other}' is not one of f32, f16."),
                },
            };
            var path = Path.GetFullPath(r.GetValue(output)!);
            GgufExporter.Export(folder, path, options);
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(path)}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
