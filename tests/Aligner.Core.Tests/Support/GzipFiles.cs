using System.IO.Compression;
using System.Text;

namespace Aligner.Core.Tests.Support;

/// <summary>Writes test data files (e.g. a definitions file in the shipped format) into a test's folder.</summary>
internal static class GzipFiles
{
    /// <summary>Writes <paramref name="text"/> as UTF-8 to a new file in <paramref name="folder"/>, gzip-compressed unless <paramref name="gzip"/> is false.</summary>
    public static string Write(string folder, string text, bool gzip = true)
    {
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".txt.gz");
        var bytes = Encoding.UTF8.GetBytes(text);
        if (!gzip) { File.WriteAllBytes(path, bytes); return path; }
        using var file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
        return path;
    }
}
