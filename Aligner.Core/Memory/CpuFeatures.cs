namespace Aligner.Memory;

/// <summary>CPU instruction-set facts that decide which 16-bit formats run natively (read from <c>/proc/cpuinfo</c> flags).</summary>
/// <param name="NativeBFloat16">The CPU has bfloat16 dot products (<c>avx512_bf16</c> or <c>amx_bf16</c>).</param>
/// <param name="NativeFloat16">The CPU has float16 arithmetic (<c>avx512_fp16</c> or <c>amx_fp16</c>).</param>
public sealed record CpuFeatures(bool NativeBFloat16, bool NativeFloat16)
{
    private static readonly Lazy<CpuFeatures> Current = new(() => Read("/proc/cpuinfo"));

    /// <summary>This machine's features (read once); both false where <c>/proc/cpuinfo</c> cannot be read.</summary>
    public static CpuFeatures Detect() => Current.Value;

    /// <summary>Reads the features from a <c>/proc/cpuinfo</c>-format file (the first <c>flags</c> line).</summary>
    public static CpuFeatures Read(string cpuinfoPath)
    {
        ArgumentNullException.ThrowIfNull(cpuinfoPath);
        try
        {
            if (!File.Exists(cpuinfoPath)) return new CpuFeatures(false, false);
            foreach (var line in File.ReadLines(cpuinfoPath))
            {
                if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0) continue;
                var flags = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                return new CpuFeatures(flags.Contains("avx512_bf16") || flags.Contains("amx_bf16"), flags.Contains("avx512_fp16") || flags.Contains("amx_fp16"));
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return new CpuFeatures(false, false);
    }
}
