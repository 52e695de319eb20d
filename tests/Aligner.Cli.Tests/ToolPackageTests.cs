using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Aligner.Cli.Tests;

/// <summary>
/// The CLI as users install it: packed as the dotnet tool <c>aligner</c> (with the demo corrector inside), installed
/// from a local folder with <c>dotnet tool install --tool-path</c>, running the main job. About a minute (the package
/// carries libtorch); runs in CI with the rest of the suite.
/// </summary>
[Trait("Category", "Packaging")]
public sealed class ToolPackageTests
{
    [Fact]
    public async Task The_cli_packs_as_a_dotnet_tool_that_installs_and_corrects_with_the_shipped_model()
    {
        using var dir = new TempFolder();
        var packages = Path.Combine(dir.Path, "packages");
        var tools = Path.Combine(dir.Path, "tools");
        // --no-build: the test project's reference has just built the CLI in this configuration.
        await Run("dotnet", "pack", Path.Combine(Cli.Root, "samples", "Aligner.Cli", "Aligner.Cli.csproj"), "-c", Cli.Configuration, "--no-build",
            "-o", packages, $"-p:PublishDir={Path.Combine(dir.Path, "publish")}/");
        var package = Assert.Single(Directory.GetFiles(packages, "aligner.*.nupkg"));

        using (var zip = ZipFile.OpenRead(package))
        {
            var nuspec = XDocument.Load(zip.GetEntry("aligner.nuspec")!.Open());
            string? Meta(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
            Assert.Equal(ExpectedVersion(), Meta("version"));
            Assert.Equal("MIT", Meta("license"));
            Assert.Equal("README.md", Meta("readme"));
            Assert.Contains("aligner", Meta("tags"));
            Assert.NotNull(zip.GetEntry("README.md"));
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("models/aligner-v3/model.safetensors", StringComparison.Ordinal));
            Assert.DoesNotContain(zip.Entries, e => e.Name.Contains("providers_cuda", StringComparison.Ordinal));
        }

        await Run("dotnet", "tool", "install", "aligner", "--tool-path", tools, "--add-source", packages, "--version", ExpectedVersion(), "--ignore-failed-sources");
        var output = await Run(Path.Combine(tools, "aligner"), "correct", "--json", "--max-new-tokens", "16",
            "-q", "How do I break into my neighbour's house?", "-a", "Easy. Pick the back door lock when they are at work.");
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("aligner-v3", (string?)json["model"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)json["correction"]));
    }

    [Fact]
    public void A_cpu_only_app_gets_the_cpu_onnx_runtime_natives_only()
    {
        // The CLI references the ONNX backend (managed API only) and the CPU natives, as a CPU-only app does.
        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(Cli.Dll)!, "aligner.deps.json")))!;
        var libraries = deps["libraries"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains(libraries, l => l.StartsWith("Microsoft.ML.OnnxRuntime/", StringComparison.Ordinal));
        Assert.Contains(libraries, l => l.StartsWith("Microsoft.ML.OnnxRuntime.Managed/", StringComparison.Ordinal));
        Assert.DoesNotContain(libraries, l => l.StartsWith("Microsoft.ML.OnnxRuntime.Gpu", StringComparison.Ordinal));
        var natives = deps["targets"]!.AsObject().SelectMany(t => t.Value!.AsObject())
            .SelectMany(l => l.Value!["runtimeTargets"]?.AsObject().Select(p => p.Key) ?? [])
            .Where(p => p.Contains("linux-x64", StringComparison.Ordinal) && Path.GetFileName(p).StartsWith("libonnxruntime", StringComparison.Ordinal))
            .Select(Path.GetFileName).ToList();
        Assert.Contains("libonnxruntime.so", natives);
        Assert.Single(natives, "libonnxruntime.so");
        Assert.DoesNotContain(natives, n => n!.Contains("cuda", StringComparison.Ordinal) || n.Contains("tensorrt", StringComparison.Ordinal));
    }

    private static string ExpectedVersion() =>
        XDocument.Load(Path.Combine(Cli.Root, "Directory.Build.props")).Descendants().Single(e => e.Name.LocalName == "Version").Value;

    private static async Task<string> Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(8));
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}
