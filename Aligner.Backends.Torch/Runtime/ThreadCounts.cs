using System.Runtime.InteropServices;

namespace Aligner.Backends.Torch;

/// <summary>
/// The calling thread's thread counts in libtorch's two CPU thread pools, set through the runtimes libtorch itself
/// loaded (found in <c>/proc/self/maps</c>): OpenMP's <c>omp_set_num_threads</c> (libgomp) and MKL's
/// <c>mkl_set_num_threads_local</c> (libtorch_cpu; its C entry point <c>MKL_Set_Num_Threads_Local</c>, as mkl.h maps it — the
/// lower-case export is the Fortran one, which takes a pointer). Unlike <c>torch.set_num_threads</c>, which also stores process-wide
/// defaults that any thread starting to use libtorch at that moment would inherit, both change only the calling thread.
/// Linux only; elsewhere, or when the runtimes are not found, <see cref="Available"/> is false.
/// </summary>
internal static unsafe class ThreadCounts
{
    private static readonly Lazy<(nint OmpSet, nint OmpGet, nint MklSetLocal)> Exports = new(Resolve);

    /// <summary>Whether OpenMP's functions were found (MKL's are optional: a libtorch without MKL has none).</summary>
    public static bool Available => Exports.Value.OmpSet != 0 && Exports.Value.OmpGet != 0;

    /// <summary><c>omp_get_max_threads()</c> of the calling thread.</summary>
    public static int OpenMp() => ((delegate* unmanaged<int>)Exports.Value.OmpGet)();

    /// <summary><c>omp_set_num_threads(n)</c> for the calling thread.</summary>
    public static void SetOpenMp(int threads) => ((delegate* unmanaged<int, void>)Exports.Value.OmpSet)(threads);

    /// <summary><c>mkl_set_num_threads_local(n)</c>: MKL's count for the calling thread (0: back to the global one); returns the previous local count, or 0 without MKL.</summary>
    public static int SetMklLocal(int threads) => Exports.Value.MklSetLocal == 0 ? 0 : ((delegate* unmanaged<int, int>)Exports.Value.MklSetLocal)(threads);

    private static (nint, nint, nint) Resolve()
    {
        if (!OperatingSystem.IsLinux()) return (0, 0, 0);
        try
        {
            TorchRuntime.EnsureInitialized();
            var paths = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var i and >= 0 ? line[i..] : null)
                .OfType<string>().Distinct().ToList();
            nint Export(string library, string symbol)
            {
                var path = paths.FirstOrDefault(p => Path.GetFileName(p).StartsWith(library, StringComparison.Ordinal));
                return path is not null && NativeLibrary.TryLoad(path, out var handle) && NativeLibrary.TryGetExport(handle, symbol, out var address) ? address : 0;
            }
            return (Export("libgomp", "omp_set_num_threads"), Export("libgomp", "omp_get_max_threads"), Export("libtorch_cpu", "MKL_Set_Num_Threads_Local"));
        }
        catch (IOException) { return (0, 0, 0); }
        catch (UnauthorizedAccessException) { return (0, 0, 0); }
    }
}
