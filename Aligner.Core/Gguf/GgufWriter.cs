using System.Buffers.Binary;
using System.Text;

namespace Aligner.Gguf;

/// <summary>
/// Builds a GGUF file (version 3): metadata key/values, then tensor descriptions, then the tensor data, each tensor
/// aligned to <see cref="GgufFormat.DefaultAlignment"/>. Tensor data is produced by callbacks while saving, so
/// a large model is converted one tensor at a time.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<(GgufTensorInfo Info, Action<Stream> Write)> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);
    private long _dataLength;

    /// <summary>The metadata added so far, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata => _metadata;

    /// <summary>The tensors added so far, in order, with their data offsets.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors => [.. _tensors.Select(t => t.Info)];

    /// <summary>Adds a metadata entry.</summary>
    /// <exception cref="ArgumentException">The key is empty or was already added.</exception>
    public GgufWriter Add(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!_keys.Add(key)) throw new ArgumentException($"Metadata key '{key}' was already added.", nameof(key));
        _metadata.Add(new(key, value));
        return this;
    }

    /// <summary>Adds a tensor whose data <paramref name="write"/> writes (exactly its byte length, little-endian) when the file is saved.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="type">The element type.</param>
    /// <param name="torchShape">The shape in PyTorch order (outermost first); it is stored reversed, as ggml expects.</param>
    /// <param name="write">Writes the data, row-major in <paramref name="torchShape"/>.</param>
    /// <exception cref="ArgumentException">Duplicate name, more than 4 dimensions, or a non-positive dimension.</exception>
    public GgufWriter AddTensor(string name, GgufTensorType type, IReadOnlyList<long> torchShape, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(torchShape);
        ArgumentNullException.ThrowIfNull(write);
        if (torchShape.Count is 0 or > GgufFormat.MaxDimensions)
            throw new ArgumentException($"'{name}': a GGUF tensor has 1 to {GgufFormat.MaxDimensions} dimensions, not {torchShape.Count}.", nameof(torchShape));
        if (torchShape.Any(d => d <= 0)) throw new ArgumentException($"'{name}': dimensions must be positive.", nameof(torchShape));
        if (!_tensorNames.Add(name)) throw new ArgumentException($"Tensor '{name}' was already added.", nameof(name));
        var info = new GgufTensorInfo(name, type, [.. torchShape.Reverse()], _dataLength);
        _tensors.Add((info, write));
        _dataLength = Align(_dataLength + info.ByteLength, GgufFormat.DefaultAlignment);
        return this;
    }

    /// <summary>Adds a tensor from bytes already in memory.</summary>
    public GgufWriter AddTensor(string name, GgufTensorType type, IReadOnlyList<long> torchShape, ReadOnlyMemory<byte> data)
    {
        long expected = type.ByteCount(torchShape.Aggregate(1L, (a, d) => a * d));
        if (data.Length != expected)
            throw new ArgumentException($"'{name}': {data.Length} bytes given, shape [{string.Join(", ", torchShape)}] of {type} needs {expected}.", nameof(data));
        return AddTensor(name, type, torchShape, s => s.Write(data.Span));
    }

    /// <summary>Writes the file to a seekable <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidOperationException">A tensor callback wrote a different number of bytes than its shape needs.</exception>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek) throw new ArgumentException("The stream must be seekable (its position checks each tensor's length).", nameof(stream));
        var header = new MemoryStream();
        WriteUInt32(header, GgufFormat.Magic);
        WriteUInt32(header, GgufFormat.Version);
        WriteUInt64(header, (ulong)_tensors.Count);
        WriteUInt64(header, (ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(header, key);
            WriteUInt32(header, (uint)value.Type);
            if (value.Type == GgufValueType.Array)
            {
                var elements = (Array)value.Value;
                WriteUInt32(header, (uint)value.ElementType!.Value);
                WriteUInt64(header, (ulong)elements.LongLength);
                foreach (var element in elements) WriteScalar(header, value.ElementType.Value, element!);
            }
            else WriteScalar(header, value.Type, value.Value);
        }
        foreach (var (info, _) in _tensors)
        {
            WriteString(header, info.Name);
            WriteUInt32(header, (uint)info.Dimensions.Count);
            foreach (long d in info.Dimensions) WriteUInt64(header, (ulong)d);
            WriteUInt32(header, (uint)info.Type);
            WriteUInt64(header, (ulong)info.Offset);
        }
        Pad(header, header.Length);
        header.Position = 0;
        header.CopyTo(stream);
        long written = 0;
        foreach (var (info, write) in _tensors)
        {
            long before = stream.Position;
            write(stream);
            long length = stream.Position - before;
            if (length != info.ByteLength)
                throw new InvalidOperationException($"Tensor '{info.Name}': {length} bytes were written, its shape needs {info.ByteLength}.");
            written += length;
            written += Pad(stream, written);
        }
    }

    /// <summary>Writes the file at <paramref name="path"/>, replacing an existing file only once the new one is complete.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    internal static long Align(long offset, int alignment) => (offset + alignment - 1) / alignment * alignment;

    private static int Pad(Stream stream, long position)
    {
        int padding = (int)(Align(position, GgufFormat.DefaultAlignment) - position);
        for (int i = 0; i < padding; i++) stream.WriteByte(0);
        return padding;
    }

    private static void WriteScalar(Stream s, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: s.WriteByte((byte)value); break;
            case GgufValueType.Int8: s.WriteByte(unchecked((byte)(sbyte)value)); break;
            case GgufValueType.UInt16: WriteLittleEndian(s, stackalloc byte[2], b => BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value)); break;
            case GgufValueType.Int16: WriteLittleEndian(s, stackalloc byte[2], b => BinaryPrimitives.WriteInt16LittleEndian(b, (short)value)); break;
            case GgufValueType.UInt32: WriteUInt32(s, (uint)value); break;
            case GgufValueType.Int32: WriteUInt32(s, unchecked((uint)(int)value)); break;
            case GgufValueType.Float32: WriteUInt32(s, BitConverter.SingleToUInt32Bits((float)value)); break;
            case GgufValueType.Bool: s.WriteByte((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(s, (string)value); break;
            case GgufValueType.UInt64: WriteUInt64(s, (ulong)value); break;
            case GgufValueType.Int64: WriteUInt64(s, unchecked((ulong)(long)value)); break;
            case GgufValueType.Float64: WriteUInt64(s, BitConverter.DoubleToUInt64Bits((double)value)); break;
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    private delegate void SpanWriter(Span<byte> buffer);

    private static void WriteLittleEndian(Stream s, Span<byte> buffer, SpanWriter write)
    {
        write(buffer);
        s.Write(buffer);
    }

    private static void WriteUInt32(Stream s, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        s.Write(b);
    }

    private static void WriteUInt64(Stream s, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        s.Write(b);
    }

    private static void WriteString(Stream s, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteUInt64(s, (ulong)bytes.Length);
        s.Write(bytes);
    }
}
