using System.CommandLine;
using Aligner.Checkpoints;

namespace Aligner.Cli.Commands;

/// <summary><c>aligner convert</c>: a <c>pytorch_model.bin</c> checkpoint (read without executing its pickle) to safetensors.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Checkpoint folder with pytorch_model.bin (or pytorch_model.bin.index.json and its shards).", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Folder to write model.safetensors (or shards + index) and copies of the other files into.", Required = true };
        var shardSize = new Option<long>("--max-shard-bytes") { Description = "Largest safetensors shard.", DefaultValueFactory = _ => CheckpointConverter.DefaultMaxShardBytes };
        var command = new Command("convert", "Convert a PyTorch pickle checkpoint (pytorch_model.bin) to safetensors. The pickle is read as data only (torch.load weights_only semantics): anything else in it is refused.")
        {
            model, output, shardSize,
        };
        command.SetGuardedAction((r, _, _) =>
        {
            var folder = AlignerHost.ResolveModelFolder(r.GetValue(model));
            if (r.GetValue(shardSize) < 1) throw new CliUsageException("--max-shard-bytes must be positive.");
            var files = CheckpointConverter.ToSafeTensors(folder, Path.GetFullPath(r.GetValue(output)!), r.GetValue(shardSize));
            // Plain console output (one line per file) so scripts can read it.
            foreach (var f in files) Console.WriteLine($"Wrote {f}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
