using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Aligner.Checkpoints;

/// <summary>
/// A safetensors file, validated on open and memory-mapped for reading: header length within the file, a JSON
/// object header, known dtypes, <c>shape × dtype size == byte length</c>, offsets inside the data and not
/// overlapping. Errors are <see cref="ModelFormatException"/>s naming the file and the tensor. Thread-safe for reads.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    /// <summary>Largest header accepted (the format's own limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly Dictionary<string, SafeTensorInfo> _tensors;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private byte* _base;
    private int _disposed;

    private SafeTensorsFile(string path, Dictionary<string, SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, MemoryMappedFile map, MemoryMappedViewAccessor view, Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        FilePath = path;
        _handle = handle;
        _tensors = tensors;
        Metadata = metadata;
        _map = map;
        _view = view;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + view.PointerOffset;
    }

    /// <summary>The file's path.</summary>
    public string FilePath { get; }

    /// <summary>The <c>__metadata__</c> entries (e.g. <c>format: pt</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors, by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors => _tensors;

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="ModelFormatException">The file is missing, truncated or its header is invalid; the message names the file and tensor.</exception>
    /// <exception cref="NotSupportedModelException">A tensor has a dtype Aligner does not read.</exception>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new ModelFormatException(path, null, "file not found.");
        long fileLength;
        byte[] header;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            fileLength = stream.Length;
            if (fileLength < 8) throw new ModelFormatException(path, null, $"is truncated: {fileLength} bytes, too short for the 8-byte header length.");
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > (ulong)(fileLength - 8))
                throw new ModelFormatException(path, null, $"header length {headerLength} points past the end of the file ({fileLength} bytes): the file is truncated or not safetensors.");
            if (headerLength > MaxHeaderBytes) throw new ModelFormatException(path, null, $"header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes.");
            header = new byte[headerLength];
            stream.ReadExactly(header);
        }
        long dataStart = 8 + header.LongLength;
        var (tensors, metadata) = ParseHeader(path, header, dataStart, fileLength - dataStart);
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        Microsoft.Win32.SafeHandles.SafeFileHandle? handle = null;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafeTensorsFile(path, tensors, metadata, map, view, handle);
        }
        catch
        {
            handle?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>Serves tensors at known byte ranges of any file (a validated <c>pytorch_model.bin</c>) through the same reading API.</summary>
    internal static SafeTensorsFile OpenRanges(string path, Dictionary<string, SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        Microsoft.Win32.SafeHandles.SafeFileHandle? handle = null;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafeTensorsFile(path, tensors, metadata, map, view, handle);
        }
        catch
        {
            handle?.Dispose();
            map.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataStart, long dataLength)
    {
        if (!System.Text.Unicode.Utf8.IsValid(header)) throw new ModelFormatException(path, null, "header is not valid UTF-8.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw new ModelFormatException(path, null, $"header is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, null, "header must be a JSON object.");
            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var ranges = new List<(long Begin, long End, string Name)>();
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, "__metadata__", "must be an object of strings.");
                    foreach (var m in entry.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw new ModelFormatException(path, "__metadata__." + m.Name, "must be a string.");
                    continue;
                }
                var info = ParseTensor(path, entry.Name, entry.Value, dataStart, dataLength);
                if (!tensors.TryAdd(entry.Name, info)) throw new ModelFormatException(path, entry.Name, "appears twice in the header.");
                if (info.ByteLength > 0) ranges.Add((info.FileOffset, info.FileOffset + info.ByteLength, entry.Name));
            }
            ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            for (int i = 1; i < ranges.Count; i++)
                if (ranges[i].Begin < ranges[i - 1].End)
                    throw new ModelFormatException(path, ranges[i].Name, $"its data overlaps that of '{ranges[i - 1].Name}'.");
            return (tensors, metadata);
        }
    }

    private static SafeTensorInfo ParseTensor(string path, string name, JsonElement e, long dataStart, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, name, "header entry must be an object with dtype, shape and data_offsets.");
        if (!e.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new ModelFormatException(path, name, "has no dtype string.");
        var dtypeName = dtypeElement.GetString()!;
        var dtype = SafeTensorDTypes.Parse(dtypeName) ?? throw new NotSupportedModelException(path, name, $"dtype '{dtypeName}' is not supported.");
        if (!e.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(path, name, "has no shape list.");
        var shape = new List<long>();
        long elements = 1;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw new ModelFormatException(path, name, $"shape has an invalid dimension {JsonFields.Describe(d)}.");
            shape.Add(dim);
            try { elements = checked(elements * dim); }
            catch (OverflowException) { throw new ModelFormatException(path, name, "shape is too large."); }
        }
        if (!e.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new ModelFormatException(path, name, "has no data_offsets [begin, end].");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new ModelFormatException(path, name, $"data_offsets [{offsets[0].GetRawText()}, {offsets[1].GetRawText()}] are invalid.");
        if (end > dataLength)
            throw new ModelFormatException(path, name, $"data_offsets end {end} points past the end of the data ({dataLength} bytes): the file is truncated or corrupted.");
        long expected;
        try { expected = checked(elements * dtype.SizeInBytes()); }
        catch (OverflowException) { throw new ModelFormatException(path, name, "shape is too large."); }
        if (end - begin != expected)
            throw new ModelFormatException(path, name, $"holds {end - begin} bytes but shape [{string.Join(", ", shape)}] of {dtype} needs {expected}.");
        return new SafeTensorInfo(name, dtype, shape, dataStart + begin, end - begin, path);
    }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    /// <exception cref="ModelFormatException">No such tensor.</exception>
    public SafeTensorInfo GetInfo(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw new ModelFormatException(FilePath, name, "no such tensor in the file.");

    /// <summary>The raw bytes of a tensor (little-endian, in its stored dtype). Valid until the file is disposed.</summary>
    /// <exception cref="NotSupportedException">The tensor is larger than 2 GiB; use <see cref="CopyTo(string, nint, long)"/>.</exception>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = GetInfo(name);
        if (info.ByteLength > int.MaxValue) throw new NotSupportedException($"{FilePath}: '{name}' is larger than 2 GiB; copy it with CopyTo.");
        return new ReadOnlySpan<byte>(Pointer(info), (int)info.ByteLength);
    }

    /// <summary>Copies the raw bytes of a tensor to native memory of at least its byte length.</summary>
    public void CopyTo(string name, nint destination, long destinationBytes)
    {
        var info = GetInfo(name);
        if (destinationBytes < info.ByteLength) throw new ArgumentException($"'{name}' needs {info.ByteLength} bytes; the destination has {destinationBytes}.", nameof(destinationBytes));
        Buffer.MemoryCopy(Pointer(info), (void*)destination, destinationBytes, info.ByteLength);
    }

    /// <summary>
    /// Reads part of a tensor's raw bytes, starting <paramref name="offsetInTensor"/> bytes into it, straight from the file
    /// into <paramref name="destination"/> (e.g. a tensor's own storage): one copy, and none of the file's pages become part of
    /// this process's resident memory, unlike reads through the memory map.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the tensor.</exception>
    /// <exception cref="ModelFormatException">The file is shorter than its header says (it changed after it was opened).</exception>
    public void Read(string name, long offsetInTensor, Span<byte> destination)
    {
        var info = GetInfo(name);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (offsetInTensor < 0 || offsetInTensor > info.ByteLength || destination.Length > info.ByteLength - offsetInTensor)
            throw new ArgumentOutOfRangeException(nameof(offsetInTensor), $"{FilePath}: '{name}' holds {info.ByteLength} bytes; cannot read {destination.Length} at {offsetInTensor}.");
        long position = info.FileOffset + offsetInTensor;
        while (destination.Length > 0)
        {
            int read = RandomAccess.Read(_handle, destination, position);
            if (read <= 0) throw new ModelFormatException(FilePath, name, $"the file ended at byte {position} while reading the tensor: it was truncated after it was opened.");
            destination = destination[read..];
            position += read;
        }
    }

    /// <summary>Reads a floating-point tensor as 32-bit floats (converting F64, F16 and BF16).</summary>
    /// <exception cref="ModelFormatException">The tensor is not floating point.</exception>
    public float[] ReadSingles(string name)
    {
        var info = GetInfo(name);
        var bytes = GetBytes(name);
        var result = new float[info.ElementCount];
        switch (info.DType)
        {
            case SafeTensorDType.F32: MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result); break;
            case SafeTensorDType.F64:
                var d = MemoryMarshal.Cast<byte, double>(bytes);
                for (int i = 0; i < result.Length; i++) result[i] = (float)d[i];
                break;
            case SafeTensorDType.F16:
                var h = MemoryMarshal.Cast<byte, Half>(bytes);
                for (int i = 0; i < result.Length; i++) result[i] = (float)h[i];
                break;
            case SafeTensorDType.BF16:
                var b = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < result.Length; i++) result[i] = BitConverter.Int32BitsToSingle(b[i] << 16);
                break;
            default: throw new ModelFormatException(FilePath, name, $"is {info.DType}, not a floating-point tensor.");
        }
        return result;
    }

    private byte* Pointer(SafeTensorInfo info)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _base + info.FileOffset;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _handle.Dispose();
    }
}
