using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Aligner.Gguf;

/// <summary>
/// A GGUF file, validated on open: magic and version (2 or 3), every length and count checked against the bytes
/// that remain before anything is allocated, known value and tensor types, no duplicate keys or tensor names,
/// tensor data aligned, inside the file and not overlapping. Errors are <see cref="ModelFormatException"/>s
/// naming the file and the key or tensor. Tensor data is read on demand.
/// </summary>
public sealed class GgufFile
{
    /// <summary>Longest string accepted (keys, metadata strings, tensor names).</summary>
    public const int MaxStringBytes = 16 << 20;

    private readonly Dictionary<string, GgufValue> _metadata;
    private readonly Dictionary<string, GgufTensorInfo> _tensors;

    private GgufFile(string path, uint version, Dictionary<string, GgufValue> metadata, List<string> keyOrder,
        List<GgufTensorInfo> tensors, int alignment, long dataOffset)
    {
        FilePath = path;
        Version = version;
        _metadata = metadata;
        MetadataKeys = keyOrder;
        TensorInfos = tensors;
        _tensors = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Alignment = alignment;
        DataOffset = dataOffset;
    }

    /// <summary>The file's path.</summary>
    public string FilePath { get; }

    /// <summary>The format version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>The metadata keys in file order.</summary>
    public IReadOnlyList<string> MetadataKeys { get; }

    /// <summary>The metadata by key.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata => _metadata;

    /// <summary>The tensors in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> TensorInfos { get; }

    /// <summary>The data alignment (<c>general.alignment</c>, default 32).</summary>
    public int Alignment { get; }

    /// <summary>File offset of the data section.</summary>
    public long DataOffset { get; }

    /// <summary><c>general.architecture</c>, or <see langword="null"/>.</summary>
    public string? Architecture => _metadata.TryGetValue("general.architecture", out var v) && v.Value is string s ? s : null;

    /// <summary>Opens and validates a GGUF file.</summary>
    /// <exception cref="ModelFormatException">The file is missing, truncated or malformed; the key or tensor is named.</exception>
    /// <exception cref="NotSupportedModelException">A tensor has a type Aligner does not read (quantized types).</exception>
    public static GgufFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new ModelFormatException(path, null, "file not found.");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var reader = new Reader(stream, path);
        uint magic = reader.UInt32(null);
        if (magic != GgufFormat.Magic) throw new ModelFormatException(path, null, $"is not a GGUF file (magic 0x{magic:X8}, expected 0x{GgufFormat.Magic:X8} 'GGUF').");
        uint version = reader.UInt32(null);
        if (version is not (2 or 3)) throw new NotSupportedModelException(path, null, $"GGUF version {version} is not supported (2 and 3 are).");
        ulong tensorCount = reader.UInt64(null);
        ulong kvCount = reader.UInt64(null);
        // Smallest possible entries: a key/value is 8 (length) + 1 (key) + 4 (type) + 1 (value) bytes; a tensor 8 + 1 + 4 + 8 + 4 + 8.
        if (kvCount > (ulong)reader.Remaining / 14) throw new ModelFormatException(path, null, $"metadata count {kvCount} cannot fit in the file.");
        if (tensorCount > (ulong)reader.Remaining / 33) throw new ModelFormatException(path, null, $"tensor count {tensorCount} cannot fit in the file.");

        var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        var order = new List<string>((int)kvCount);
        for (ulong i = 0; i < kvCount; i++)
        {
            var key = reader.String($"metadata entry {i} key");
            if (key.Length == 0) throw new ModelFormatException(path, $"metadata entry {i}", "has an empty key.");
            var type = reader.ValueType(key);
            var value = type == GgufValueType.Array ? reader.Array(key) : reader.Scalar(type, key);
            if (!metadata.TryAdd(key, value)) throw new ModelFormatException(path, key, "appears twice in the metadata.");
            order.Add(key);
        }

        int alignment = GgufFormat.DefaultAlignment;
        if (metadata.TryGetValue(GgufFormat.AlignmentKey, out var alignmentValue))
        {
            if (alignmentValue.Value is not uint a || a == 0 || (a & (a - 1)) != 0 || a > 1 << 20)
                throw new ModelFormatException(path, GgufFormat.AlignmentKey, $"must be a UInt32 power of two (was {alignmentValue.Type} {alignmentValue}).");
            alignment = (int)a;
        }

        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            var name = reader.String($"tensor {i} name");
            if (!names.Add(name)) throw new ModelFormatException(path, name, "tensor appears twice.");
            uint dimensionCount = reader.UInt32(name);
            if (dimensionCount is 0 or > GgufFormat.MaxDimensions)
                throw new ModelFormatException(path, name, $"has {dimensionCount} dimensions (1 to {GgufFormat.MaxDimensions} are valid).");
            var dims = new long[dimensionCount];
            long elements = 1;
            for (int d = 0; d < dims.Length; d++)
            {
                ulong dim = reader.UInt64(name);
                if (dim == 0 || dim > long.MaxValue) throw new ModelFormatException(path, name, $"dimension {d} is {dim}.");
                dims[d] = (long)dim;
                try { elements = checked(elements * dims[d]); }
                catch (OverflowException) { throw new ModelFormatException(path, name, "shape is too large."); }
            }
            uint rawType = reader.UInt32(name);
            if (!Enum.IsDefined((GgufTensorType)rawType))
                throw new NotSupportedModelException(path, name, $"tensor type {rawType} is not supported (F32 = 0, F16 = 1, Q8_0 = 8, BF16 = 30 are; other quantized types are not).");
            var type = (GgufTensorType)rawType;
            ulong offset = reader.UInt64(name);
            if (offset % (ulong)alignment != 0) throw new ModelFormatException(path, name, $"data offset {offset} is not a multiple of the alignment {alignment}.");
            if (offset > long.MaxValue) throw new ModelFormatException(path, name, $"data offset {offset} is out of range.");
            if (dims[0] % type.BlockSize() != 0)
                throw new ModelFormatException(path, name, $"its innermost dimension {dims[0]} is not a multiple of the {type} block size {type.BlockSize()}.");
            if (elements / type.BlockSize() > long.MaxValue / type.BlockBytes()) throw new ModelFormatException(path, name, "shape is too large.");
            tensors.Add(new GgufTensorInfo(name, type, dims, (long)offset));
        }

        long dataOffset = GgufWriter.Align(reader.Position, alignment);
        long dataLength = stream.Length - dataOffset;
        if (tensorCount > 0 && dataLength < 0) throw new ModelFormatException(path, null, "is truncated: the data section is missing.");
        var sorted = tensors.OrderBy(t => t.Offset).ToList();
        for (int i = 0; i < sorted.Count; i++)
        {
            var t = sorted[i];
            if (t.Offset > dataLength || t.ByteLength > dataLength - t.Offset)
                throw new ModelFormatException(path, t.Name, $"data [{t.Offset}, {t.Offset + t.ByteLength}) runs past the end of the data section ({dataLength} bytes): the file is truncated.");
            if (i > 0 && t.Offset < sorted[i - 1].Offset + sorted[i - 1].ByteLength)
                throw new ModelFormatException(path, t.Name, $"its data overlaps that of '{sorted[i - 1].Name}'.");
        }
        return new GgufFile(Path.GetFullPath(path), version, metadata, order, tensors, alignment, dataOffset);
    }

    /// <summary>Whether the file has a tensor of that name.</summary>
    public bool ContainsTensor(string name) => _tensors.ContainsKey(name);

    /// <summary>The entry of a tensor.</summary>
    /// <exception cref="ModelFormatException">No such tensor.</exception>
    public GgufTensorInfo GetTensor(string name) =>
        _tensors.TryGetValue(name, out var t) ? t : throw new ModelFormatException(FilePath, name, "no such tensor in the file.");

    /// <summary>A metadata value, or <see langword="null"/> when absent.</summary>
    public GgufValue? Get(string key) => _metadata.GetValueOrDefault(key);

    /// <summary>A required metadata value.</summary>
    /// <exception cref="ModelFormatException">The key is absent.</exception>
    public GgufValue Require(string key) =>
        _metadata.TryGetValue(key, out var v) ? v : throw new ModelFormatException(FilePath, key, "is required but absent.");

    /// <summary>Reads the raw little-endian bytes of a tensor.</summary>
    /// <exception cref="NotSupportedException">The tensor is larger than 2 GiB.</exception>
    public byte[] ReadTensorBytes(string name)
    {
        var info = GetTensor(name);
        if (info.ByteLength > Array.MaxLength) throw new NotSupportedException($"{FilePath}: '{name}' is larger than 2 GiB.");
        var bytes = new byte[info.ByteLength];
        using var stream = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        stream.Position = DataOffset + info.Offset;
        try { stream.ReadExactly(bytes); }
        catch (EndOfStreamException e) { throw new ModelFormatException(FilePath, name, "data ends early: the file was truncated after it was opened.", e); }
        return bytes;
    }

    /// <summary>Reads a tensor as 32-bit floats (converting F16 and BF16, expanding Q8_0), in ggml order (<see cref="GgufTensorInfo.Dimensions"/>[0] fastest).</summary>
    public float[] ReadTensorSingles(string name)
    {
        var info = GetTensor(name);
        var bytes = ReadTensorBytes(name);
        var result = new float[info.ElementCount];
        switch (info.Type)
        {
            case GgufTensorType.F32: MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result); break;
            case GgufTensorType.F16:
                var h = MemoryMarshal.Cast<byte, Half>(bytes);
                for (int i = 0; i < result.Length; i++) result[i] = (float)h[i];
                break;
            case GgufTensorType.Q8_0: GgufTensorTypes.DequantizeQ8_0(bytes, result); break;
            default:
                var b = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < result.Length; i++) result[i] = BitConverter.Int32BitsToSingle(b[i] << 16);
                break;
        }
        return result;
    }

    /// <summary>Reads values with bounds checked against the bytes left in the file.</summary>
    private sealed class Reader(Stream stream, string path)
    {
        private readonly byte[] _buffer = new byte[8];

        public long Position => stream.Position;

        public long Remaining => stream.Length - stream.Position;

        private ReadOnlySpan<byte> Read(int count, string? field)
        {
            if (Remaining < count) throw Truncated(field);
            stream.ReadExactly(_buffer, 0, count);
            return _buffer.AsSpan(0, count);
        }

        private ModelFormatException Truncated(string? field) =>
            new(path, field, $"the file ends early (at byte {stream.Position} of {stream.Length}): it is truncated or not GGUF.");

        public byte UInt8(string? field) => Read(1, field)[0];

        public uint UInt32(string? field) => BinaryPrimitives.ReadUInt32LittleEndian(Read(4, field));

        public ulong UInt64(string? field) => BinaryPrimitives.ReadUInt64LittleEndian(Read(8, field));

        public GgufValueType ValueType(string field)
        {
            uint raw = UInt32(field);
            if (!Enum.IsDefined((GgufValueType)raw)) throw new ModelFormatException(path, field, $"has unknown value type {raw}.");
            return (GgufValueType)raw;
        }

        public string String(string field)
        {
            ulong length = UInt64(field);
            if (length > (ulong)Remaining) throw new ModelFormatException(path, field, $"string length {length} runs past the end of the file.");
            if (length > MaxStringBytes) throw new ModelFormatException(path, field, $"string length {length} exceeds the limit of {MaxStringBytes} bytes.");
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
            catch (DecoderFallbackException e) { throw new ModelFormatException(path, field, "string is not valid UTF-8.", e); }
        }

        public GgufValue Scalar(GgufValueType type, string field) => GgufValue.Scalar(type, Element(type, field));

        private object Element(GgufValueType type, string field) => type switch
        {
            GgufValueType.UInt8 => UInt8(field),
            GgufValueType.Int8 => unchecked((sbyte)UInt8(field)),
            GgufValueType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(Read(2, field)),
            GgufValueType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(Read(2, field)),
            GgufValueType.UInt32 => UInt32(field),
            GgufValueType.Int32 => unchecked((int)UInt32(field)),
            GgufValueType.Float32 => BitConverter.UInt32BitsToSingle(UInt32(field)),
            GgufValueType.Bool => UInt8(field) switch
            {
                0 => false,
                1 => true,
                var b => throw new ModelFormatException(path, field, $"boolean byte is {b} (0 or 1 are valid)."),
            },
            GgufValueType.String => String(field),
            GgufValueType.UInt64 => UInt64(field),
            GgufValueType.Int64 => unchecked((long)UInt64(field)),
            GgufValueType.Float64 => BitConverter.UInt64BitsToDouble(UInt64(field)),
            _ => throw new ModelFormatException(path, field, $"value type {type} cannot be an array element here."),
        };

        public GgufValue Array(string field)
        {
            var elementType = ValueType(field);
            if (elementType == GgufValueType.Array) throw new NotSupportedModelException(path, field, "nested arrays are not supported.");
            ulong count = UInt64(field);
            int minimumSize = elementType switch
            {
                GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
                GgufValueType.UInt16 or GgufValueType.Int16 => 2,
                GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
                _ => 8,
            };
            if (count > (ulong)(Remaining / minimumSize) || count > (ulong)System.Array.MaxLength)
                throw new ModelFormatException(path, field, $"array of {count} {elementType} elements runs past the end of the file.");
            var elements = System.Array.CreateInstance(GgufValue.ClrTypeOf(elementType), (int)count);
            for (int i = 0; i < (int)count; i++) elements.SetValue(Element(elementType, field), i);
            return GgufValue.Array(elementType, elements);
        }
    }
}
