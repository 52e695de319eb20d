using System.Globalization;

namespace Aligner.Memory;

/// <summary>Human-readable sizes for messages: GiB with one decimal from 1 GiB up, whole MiB below.</summary>
public static class ByteSizes
{
    /// <summary>Formats <paramref name="bytes"/>, e.g. <c>14.4 GiB</c> or <c>287 MiB</c>.</summary>
    public static string Format(long bytes) => Math.Abs(bytes) >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("F1", CultureInfo.InvariantCulture) + " GiB"
        : Math.Round(bytes / (double)(1L << 20)).ToString("F0", CultureInfo.InvariantCulture) + " MiB";
}
