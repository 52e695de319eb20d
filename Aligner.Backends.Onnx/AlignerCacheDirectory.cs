namespace Aligner.Backends.Onnx;

/// <summary>
/// Where this package caches files it derives from a user's models (encoders rewritten with external data, ONNX
/// exports of small checkpoints): <c>$ALIGNER_CACHE_DIR</c> when set, else <c>$XDG_CACHE_HOME/aligner</c>, else
/// <c>~/.cache/aligner</c> (<c>%LOCALAPPDATA%\Aligner\cache</c> on Windows). Everything in it can be rebuilt; deleting
/// it is always safe.
/// </summary>
public static class AlignerCacheDirectory
{
    /// <summary>The environment variable that moves the cache.</summary>
    public const string EnvironmentVariable = "ALIGNER_CACHE_DIR";

    /// <summary>The cache's root folder (not created by this call).</summary>
    public static string Root()
    {
        string? own = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(own)) return Path.GetFullPath(own);
        if (OperatingSystem.IsWindows())
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "Aligner", "cache");
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "aligner");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(home) ? Path.GetTempPath() : home, ".cache", "aligner");
    }
}
