using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Aligner.Checkpoints;

/// <summary>
/// Collects tensors and writes them as one safetensors file, atomically (a temporary file, then a rename), with
/// <c>__metadata__ {"format": "pt"}</c> so that Hugging Face Transformers loads it. Data is stored little-endian.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly List<(string Name, SafeTensorDType DType, long[] Shape, long Length, ReadOnlyMemory<byte> Data, Action<Stream>? Writer)> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Extra <c>__metadata__</c> entries (<c>format: pt</c> is always written).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Number of tensors added.</summary>
    public int Count => _tensors.Count;

    /// <summary>Adds a tensor from its raw little-endian bytes.</summary>
    /// <exception cref="ArgumentException">Duplicate name, or a byte length that does not match shape × dtype.</exception>
    public SafeTensorsWriter Add(string name, SafeTensorDType dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> data)
    {
        long expected = CheckEntry(name, dtype, shape);
        if (expected != data.Length)
            throw new ArgumentException($"'{name}': {data.Length} bytes given, shape [{string.Join(", ", shape)}] of {dtype} needs {expected}.", nameof(data));
        _names.Add(name);
        _tensors.Add((name, dtype, [.. shape], data.Length, data, null));
        return this;
    }

    /// <summary>
    /// Adds a tensor whose bytes <paramref name="writeData"/> writes to the file's stream when <see cref="Save"/> runs, so
    /// that checkpoints larger than memory can be written piece by piece. It must write exactly shape × dtype bytes.
    /// </summary>
    /// <exception cref="ArgumentException">Duplicate name or invalid shape.</exception>
    public SafeTensorsWriter AddStreamed(string name, SafeTensorDType dtype, IReadOnlyList<long> shape, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        long expected = CheckEntry(name, dtype, shape);
        _names.Add(name);
        _tensors.Add((name, dtype, [.. shape], expected, ReadOnlyMemory<byte>.Empty, writeData));
        return this;
    }

    private long CheckEntry(string name, SafeTensorDType dtype, IReadOnlyList<long> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved.", nameof(name));
        long elements = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"'{name}': negative dimension.", nameof(shape));
            elements = checked(elements * d);
        }
        if (_names.Contains(name)) throw new ArgumentException($"'{name}' was already added.", nameof(name));
        return checked(elements * dtype.SizeInBytes());
    }

    /// <summary>Adds a 32-bit float tensor.</summary>
    public SafeTensorsWriter Add(string name, float[] values, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Add(name, SafeTensorDType.F32, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    /// <summary>Writes the file (replacing any existing one only once it is complete).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var header = BuildHeader();
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var t in _tensors)
            {
                if (t.Writer is null) { stream.Write(t.Data.Span); continue; }
                long before = stream.Position;
                t.Writer(stream);
                if (stream.Position - before != t.Length)
                    throw new InvalidOperationException($"'{t.Name}': the data writer wrote {stream.Position - before} bytes; shape [{string.Join(", ", t.Shape)}] of {t.DType} needs {t.Length}.");
            }
        });
    }

    private byte[] BuildHeader()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            w.WriteString("format", "pt");
            foreach (var (k, v) in Metadata.Where(kv => kv.Key != "format").OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            w.WriteEndObject();
            long offset = 0;
            foreach (var t in _tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType.ToString());
                w.WriteStartArray("shape");
                foreach (long d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + t.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += t.Length;
            }
            w.WriteEndObject();
        }
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        var json = ms.ToArray();
        int padded = (json.Length + 7) / 8 * 8;
        var header = new byte[padded];
        json.CopyTo(header, 0);
        header.AsSpan(json.Length).Fill((byte)' ');
        return header;
    }
}
