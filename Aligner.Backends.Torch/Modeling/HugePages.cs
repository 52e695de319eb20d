using System.Runtime.InteropServices;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Asks Linux to back freshly allocated, not yet touched parameter storage with transparent huge pages
/// (<c>madvise(MADV_HUGEPAGE)</c>) before it is filled: first-touch faults then come 2 MiB at a time instead of 4 KiB,
/// which on machines with THP in <c>madvise</c> mode halves the time to fill gigabytes of weights. Only the 2 MiB-aligned
/// interior of each range is advised; failures are ignored (it is advice, and a no-op elsewhere).
/// </summary>
internal static partial class HugePages
{
    private const int MadvHugePage = 14;
    private const long HugePageBytes = 2L << 20;
    private static int _unsupported;

    public static unsafe void Advise(Span<byte> memory)
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _unsupported) != 0 || memory.Length < 2 * HugePageBytes) return;
        fixed (byte* p = memory)
        {
            long start = ((long)p + HugePageBytes - 1) & ~(HugePageBytes - 1);
            long end = ((long)p + memory.Length) & ~(HugePageBytes - 1);
            if (end <= start) return;
            try
            {
                _ = Madvise((nint)start, (nuint)(end - start), MadvHugePage);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                Volatile.Write(ref _unsupported, 1);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
