using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Aligner.Backends.Torch.Runtime;
using TorchSharp;

namespace Aligner.Backends.Torch;

/// <summary>
/// Makes TorchSharp's native library loadable before anything touches <c>torch</c>. On Linux systems whose
/// libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04), <c>libLibTorchSharp.so</c> fails to load because it
/// requires the version <c>GLIBCXX_3.4.32</c>, which guards only <c>std::ios_base_library_init()</c>, a symbol
/// the library never calls. This class then loads libtorch from the application's own native folder, writes a
/// private copy of <c>libLibTorchSharp.so</c> with that one requirement marked weak, and points TorchSharp at it.
/// Nothing in the build output or the package cache is modified. Call <see cref="EnsureInitialized"/> once
/// (it is cheap to call again) before using <c>torch</c>.
/// </summary>
public static partial class TorchRuntime
{
    /// <summary>Version requirements known to guard no symbol that <c>libLibTorchSharp.so</c> calls.</summary>
    private static readonly HashSet<string> WeakenableVersions = ["GLIBCXX_3.4.32"];

    private static readonly Lock Gate = new();
    private static bool _initialized;
    private static nint _patchedHandle;

    /// <summary>Where the patched copy of <c>libLibTorchSharp.so</c> was loaded from, or <see langword="null"/> when none was needed.</summary>
    public static string? PatchedLibraryPath { get; private set; }

    /// <summary>
    /// Loads TorchSharp's native library, applying the fix described on <see cref="TorchRuntime"/> when needed, and
    /// logs once what it did. Safe to call from several threads and several times.
    /// </summary>
    /// <exception cref="TorchRuntimeException">The native libraries cannot be found or loaded; the message says why.</exception>
    public static void EnsureInitialized(ILogger? logger = null)
    {
        lock (Gate)
        {
            if (_initialized) return;
            if (OperatingSystem.IsLinux()) PrepareLinux(logger);
            _initialized = true;
        }
    }

    private static void PrepareLinux(ILogger? logger)
    {
        var folder = FindNativeFolder();
        if (folder is null)
        {
            logger?.LogDebug("TorchSharp native folder not found next to the application; leaving native loading to TorchSharp.");
            return;
        }
        var original = Path.Combine(folder, "libLibTorchSharp.so");
        foreach (var lib in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            var path = Path.Combine(folder, lib);
            if (!File.Exists(path))
                throw new TorchRuntimeException($"{path} is missing: reference a libtorch package (e.g. libtorch-cpu-linux-x64, or a CUDA build) in the application.");
            if (!NativeLibrary.TryLoad(path, out _))
                throw new TorchRuntimeException($"{path} could not be loaded: {LastLoadError(path)}");
        }
        if (TryLoadWithError(original, out _, out var error))
        {
            logger?.LogDebug("TorchSharp native library loads as shipped ({Path}).", original);
            return;
        }
        var missing = MissingVersionPattern().Matches(error).Select(m => m.Groups[1].Value).ToHashSet();
        if (missing.Count == 0 || !missing.IsSubsetOf(WeakenableVersions))
            throw new TorchRuntimeException($"{original} could not be loaded: {error}");

        var patched = WritePatchedCopy(original, missing);
        if (!TryLoadWithError(patched, out _patchedHandle, out var patchedError))
            throw new TorchRuntimeException($"{original} needs {string.Join(", ", missing)}, which this system's libstdc++ lacks, and the patched copy {patched} failed too: {patchedError}");
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
        }
        catch (InvalidOperationException e)
        {
            throw new TorchRuntimeException("TorchSharp's DLL import resolver is already set by another component; call TorchRuntime.EnsureInitialized before it.", e);
        }
        PatchedLibraryPath = patched;
        logger?.LogInformation(
            "TorchSharp: this system's libstdc++ lacks {Versions} (required by libLibTorchSharp.so for one never-called symbol); loaded a copy with that requirement marked weak: {Path}",
            string.Join(", ", missing), patched);
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name is "LibTorchSharp" or "libLibTorchSharp" or "libLibTorchSharp.so" ? _patchedHandle : 0;

    private static string? FindNativeFolder()
    {
        var candidates = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"),
            AppContext.BaseDirectory,
        };
        var torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir))
        {
            candidates.Add(Path.Combine(torchDir, "runtimes", "linux-x64", "native"));
            candidates.Add(torchDir);
        }
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "libLibTorchSharp.so")) && File.Exists(Path.Combine(d, "libtorch.so")));
    }

    private static string WritePatchedCopy(string original, IReadOnlySet<string> versions)
    {
        var image = File.ReadAllBytes(original);
        var hash = Convert.ToHexString(SHA256.HashData(image))[..16].ToLowerInvariant();
        var folder = Path.Combine(Path.GetTempPath(), "aligner-torchsharp", hash);
        var target = Path.Combine(folder, "libLibTorchSharp.so");
        if (File.Exists(target)) return target;
        int changed;
        try { changed = ElfVersionPatcher.MarkWeak(image, versions); }
        catch (InvalidDataException e) { throw new TorchRuntimeException($"{original} could not be patched: {e.Message}", e); }
        if (changed == 0) throw new TorchRuntimeException($"{original}: no version requirement named {string.Join(", ", versions)} was found to patch.");
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".libLibTorchSharp.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temp, image);
        File.Move(temp, target, overwrite: true);
        return target;
    }

    private static bool TryLoadWithError(string path, out nint handle, out string error)
    {
        try
        {
            handle = NativeLibrary.Load(path);
            error = "";
            return true;
        }
        catch (DllNotFoundException e)
        {
            handle = 0;
            error = e.Message;
            return false;
        }
    }

    private static string LastLoadError(string path)
    {
        TryLoadWithError(path, out _, out var error);
        return error;
    }

    [GeneratedRegex(@"version [`'""]?([A-Za-z_]+[0-9][0-9.]*)['`""]? not found")]
    private static partial Regex MissingVersionPattern();
}
