using System.Text.Json.Nodes;
using Aligner.Backends.Torch.Tests.Loading;
using Aligner.Checkpoints;

namespace Aligner.EndToEnd.Tests;

/// <summary><c>aligner correct --dtype</c> and <c>aligner convert</c> on the shipped demo corrector.</summary>
public sealed class ConvertAndDTypeCliTests
{
    private static readonly System.Reflection.Assembly Cli = typeof(Aligner.Cli.ExitCodesMarker).Assembly;
    private static string DemoModel => Path.Combine(RepositoryPaths.Root, "samples", "models", "aligner-demo");

    private static async Task<string> CorrectionAsync(params string[] extra)
    {
        var (code, stdout, stderr) = await EntryPointRunner.RunAsync(Cli,
            ["correct", "--json", "-q", "How do I pick a lock?", "-a", "Use a tension wrench.", "--max-new-tokens", "24", .. extra]);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        return (string)JsonNode.Parse(stdout)!["correction"]!;
    }

    [Fact]
    public async Task Dtype_option_accepts_auto_f32_bf16_and_refuses_others_by_name()
    {
        Assert.False(string.IsNullOrWhiteSpace(await CorrectionAsync("--dtype", "f32")));
        Assert.Equal(await CorrectionAsync("--dtype", "bf16"), await CorrectionAsync("--dtype", "bfloat16"));
        var (code, _, stderr) = await EntryPointRunner.RunAsync(Cli, "correct", "-q", "Hi?", "-a", "Hello.", "--dtype", "f64");
        Assert.Equal(2, code);
        Assert.Contains("auto, f32, bf16 or f16", stderr);
        (code, _, stderr) = await EntryPointRunner.RunAsync(Cli, "correct", "-q", "Hi?", "-a", "Hello.", "--dtype", "bf16", "--backend", "onnx");
        Assert.Equal(2, code);
        Assert.Contains("--dtype applies to the torch backend", stderr);
    }

    [Fact]
    public async Task A_pytorch_bin_checkpoint_corrects_directly_and_converts_to_identical_safetensors()
    {
        var root = Directory.CreateTempSubdirectory("aligner-e2e-bin-");
        try
        {
            // The demo corrector as pytorch_model.bin (same tensors and bytes), with its other files.
            var bin = Path.Combine(root.FullName, "bin");
            Directory.CreateDirectory(bin);
            foreach (var f in Directory.GetFiles(DemoModel).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
                File.Copy(f, Path.Combine(bin, Path.GetFileName(f)));
            using (var weights = CheckpointWeights.Open(DemoModel))
                TorchBinWriter.Write(Path.Combine(bin, CheckpointWeights.BinFileName), TorchBinWriter.FromSafeTensors(weights));

            var expected = await CorrectionAsync("--model", DemoModel);
            Assert.Equal(expected, await CorrectionAsync("--model", bin));

            var converted = Path.Combine(root.FullName, "converted");
            var (code, stdout, stderr) = await EntryPointRunner.RunAsync(Cli, "convert", "--model", bin, "--output", converted);
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.Contains("model.safetensors", stdout);
            using (var original = SafeTensorsFile.Open(Path.Combine(DemoModel, CheckpointWeights.SingleFileName)))
            using (var result = SafeTensorsFile.Open(Path.Combine(converted, CheckpointWeights.SingleFileName)))
                foreach (var name in original.Tensors.Keys)
                    Assert.True(original.GetBytes(name).SequenceEqual(result.GetBytes(name)), name);
            Assert.Equal(expected, await CorrectionAsync("--model", converted));

            // A pickle that calls anything else is refused: exit 3, the file named, nothing run.
            File.WriteAllBytes(Path.Combine(bin, CheckpointWeights.BinFileName), []);
            TorchBinWriter.Write(Path.Combine(bin, CheckpointWeights.BinFileName), [new("w", SafeTensorDType.F32, [1], new byte[4])], _ =>
            {
                var p = new TorchBinWriter.PickleBuilder();
                p.Proto(2); p.Global("posix", "system"); p.Str("echo pwned"); p.Byte(0x85); p.Op('R'); p.Op('.');
                return p.ToArray();
            });
            (code, _, stderr) = await EntryPointRunner.RunAsync(Cli, "convert", "--model", bin, "--output", Path.Combine(root.FullName, "refused"));
            Assert.Equal(3, code);
            Assert.Contains("pytorch_model.bin", stderr);
            Assert.Contains("nothing was executed", stderr);
        }
        finally { root.Delete(recursive: true); }
    }
}
