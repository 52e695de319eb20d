using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch;

/// <summary>Resolves a device name to a TorchSharp device, failing clearly when CUDA is asked for but absent.</summary>
public static class TorchDevices
{
    /// <summary>The device named <paramref name="name"/> (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>), after initialising the runtime.</summary>
    /// <exception cref="TorchRuntimeException">CUDA was requested and is not available, or the index is out of range.</exception>
    /// <exception cref="ArgumentException">The name is not a device name.</exception>
    public static Device Resolve(string name, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        TorchRuntime.EnsureInitialized(logger);
        var text = name.Trim().ToLowerInvariant();
        if (text == "cpu") return CPU;
        if (text != "cuda" && !text.StartsWith("cuda:", StringComparison.Ordinal))
            throw new ArgumentException($"Unknown device '{name}'; use 'cpu', 'cuda' or 'cuda:N'.", nameof(name));
        int index = 0;
        if (text.Length > 5 && !int.TryParse(text.AsSpan(5), out index))
            throw new ArgumentException($"Unknown device '{name}'; use 'cpu', 'cuda' or 'cuda:N'.", nameof(name));
        bool available;
        try { available = cuda.is_available(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new TorchRuntimeException($"Device '{name}' was requested but CUDA could not be initialised ({e.Message}). Reference a CUDA build of libtorch (e.g. libtorch-cuda-12.x-linux-x64) or use the CPU.", e);
        }
        if (!available)
            throw new TorchRuntimeException($"Device '{name}' was requested but CUDA is not available: this process has a CPU-only libtorch or no GPU/driver. Reference a CUDA build of libtorch or set Device = \"cpu\".");
        int count = cuda.device_count();
        if (index < 0 || index >= count) throw new TorchRuntimeException($"Device '{name}' was requested but only {count} CUDA device(s) exist.");
        return new Device(DeviceType.CUDA, index);
    }
}
