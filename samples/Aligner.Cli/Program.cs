using System.CommandLine;
using Aligner.Cli;
using Aligner.Cli.Commands;

var root = new RootCommand("Aligner: correct LLM answers with a small correction model, train correctors, export them to ONNX or GGUF.")
{
    CommonOptions.Verbose,
};
root.Subcommands.Add(CorrectCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(TrainGateCommand.Create());
root.Subcommands.Add(TrainToneCommand.Create());
root.Subcommands.Add(EvalGateCommand.Create());
root.Subcommands.Add(ExportOnnxCommand.Create());
root.Subcommands.Add(ExportGgufCommand.Create());
root.Subcommands.Add(ConvertCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ServeCommand.Create());

return await CommandRunner.InvokeAsync(root, args);
