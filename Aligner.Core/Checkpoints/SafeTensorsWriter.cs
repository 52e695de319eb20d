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
    private readonly List<(string Name, SafeTensorDType DType, long[] Shape, ReadOnlyMemory<byte> Data)> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Extra <c>__metadata__</c> entries (<c>format: pt</c> is always written).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Number of tensors added.</summary>
    public int Count => _tensors.Count;

    /// <summary>Adds a tensor from its raw little-endian bytes.</summary>
    /// <exception cref="ArgumentException">Duplicate name, or a byte length that does not match shape × dtype.</exception>
    public SafeTensorsWriter Add(string name, SafeTensorDType dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> data)
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
        if (elements * dtype.SizeInBytes() != data.Length)
            throw new ArgumentException($"'{name}': {data.Length} bytes given, shape [{string.Join(", ", shape)}] of {dtype} needs {elements * dtype.SizeInBytes()}.", nameof(data));
        if (!_names.Add(name)) throw new ArgumentException($"'{name}' was already added.", nameof(name));
        _tensors.Add((name, dtype, [.. shape], data));
        return this;
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
            foreach (var t in _tensors) stream.Write(t.Data.Span);
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
                w.WriteNumberValue(offset + t.Data.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += t.Data.Length;
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
