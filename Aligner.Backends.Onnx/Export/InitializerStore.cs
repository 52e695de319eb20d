using System.Runtime.InteropServices;
using Aligner.Backends.Onnx.Protobuf;
using Google.Protobuf;

namespace Aligner.Backends.Onnx.Export;

/// <summary>
/// Turns float32 weights into ONNX initializers of the export's weight type, stored either inside the model
/// (raw data) or in one external data file beside it (needed past protobuf's 2 GB limit).
/// </summary>
internal sealed class InitializerStore : IDisposable
{
    private const int Alignment = 64;
    private readonly FileStream? _external;
    private readonly string? _externalFileName;

    /// <param name="weightType">Float or Float16.</param>
    /// <param name="externalDataPath">The external data file to write, or <see langword="null"/> to keep data inline.</param>
    public InitializerStore(TensorProto.Types.DataType weightType, string? externalDataPath)
    {
        if (weightType is not (TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Float16))
            throw new ArgumentOutOfRangeException(nameof(weightType));
        WeightType = weightType;
        if (externalDataPath is not null)
        {
            _external = new FileStream(externalDataPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            _externalFileName = Path.GetFileName(externalDataPath);
        }
    }

    /// <summary>The element type of weight initializers.</summary>
    public TensorProto.Types.DataType WeightType { get; }

    /// <summary>Bytes of tensor data created so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Creates an initializer of <see cref="WeightType"/> (or float32 when <paramref name="keepFloat32"/>).</summary>
    public TensorProto Create(string name, long[] dims, ReadOnlySpan<float> values, bool keepFloat32 = false)
    {
        var type = keepFloat32 ? TensorProto.Types.DataType.Float : WeightType;
        byte[] bytes;
        if (type == TensorProto.Types.DataType.Float)
        {
            bytes = new byte[values.Length * sizeof(float)];
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        }
        else
        {
            bytes = new byte[values.Length * 2];
            var halves = MemoryMarshal.Cast<byte, Half>(bytes.AsSpan());
            for (int i = 0; i < values.Length; i++) halves[i] = (Half)values[i];
        }
        return CreateRaw(name, dims, type, bytes);
    }

    /// <summary>Creates an initializer of any element type from its little-endian bytes.</summary>
    public TensorProto CreateRaw(string name, long[] dims, TensorProto.Types.DataType type, byte[] bytes)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian.");
        BytesWritten += bytes.Length;
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims);
        if (_external is null)
        {
            tensor.RawData = ByteString.CopyFrom(bytes);
            return tensor;
        }
        long offset = (_external.Position + Alignment - 1) / Alignment * Alignment;
        while (_external.Position < offset) _external.WriteByte(0);
        _external.Write(bytes);
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = _externalFileName });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return tensor;
    }

    public void Dispose() => _external?.Dispose();
}
