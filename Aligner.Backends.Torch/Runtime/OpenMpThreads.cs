using System.Runtime.InteropServices;

namespace Aligner.Backends.Torch;

/// <summary>
/// The calling thread's OpenMP thread count, set through the OpenMP runtime libtorch itself loaded (found in
/// <c>/proc/self/maps</c>). Unlike <c>torch.set_num_threads</c>, which also stores a process-wide default that any thread
/// starting to use libtorch at that moment would inherit, <c>omp_set_num_threads</c> changes only the calling thread.
/// Linux only; elsewhere, or when no OpenMP runtime is loaded, <see cref="Available"/> is false.
/// </summary>
internal static unsafe class OpenMpThreads
{
    private static readonly Lazy<(nint Set, nint Get)> Exports = new(Resolve);

    /// <summary>Whether the OpenMP runtime was found.</summary>
    public static bool Available => Exports.Value.Set != 0 && Exports.Value.Get != 0;

    /// <summary><c>omp_get_max_threads()</c> of the calling thread.</summary>
    public static int Get() => ((delegate* unmanaged<int>)Exports.Value.Get)();

    /// <summary><c>omp_set_num_threads(n)</c> for the calling thread.</summary>
    public static void Set(int threads) => ((delegate* unmanaged<int, void>)Exports.Value.Set)(threads);

    private static (nint, nint) Resolve()
    {
        if (!OperatingSystem.IsLinux()) return (0, 0);
        try
        {
            TorchRuntime.EnsureInitialized();
            string? path = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var i and >= 0 ? line[i..] : null)
                .FirstOrDefault(p => p is not null && Path.GetFileName(p).StartsWith("libgomp", StringComparison.Ordinal));
            if (path is null || !NativeLibrary.TryLoad(path, out var handle)) return (0, 0);
            return NativeLibrary.TryGetExport(handle, "omp_set_num_threads", out var set) && NativeLibrary.TryGetExport(handle, "omp_get_max_threads", out var get)
                ? (set, get) : (0, 0);
        }
        catch (IOException) { return (0, 0); }
        catch (UnauthorizedAccessException) { return (0, 0); }
    }
}
