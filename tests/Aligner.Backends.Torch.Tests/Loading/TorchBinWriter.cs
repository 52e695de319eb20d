using System.IO.Compression;
using System.Text;
using Aligner.Checkpoints;

namespace Aligner.Backends.Torch.Tests.Loading;

/// <summary>
/// Writes <c>torch.save(state_dict)</c> files the way PyTorch 2.x does: a zip archive (members stored uncompressed)
/// holding <c>archive/data.pkl</c> (pickle protocol 2: an OrderedDict of <c>torch._utils._rebuild_tensor_v2</c> calls
/// whose storages are persistent ids), <c>archive/data/&lt;key&gt;</c> per storage, <c>byteorder</c> and <c>version</c>.
/// </summary>
internal static class TorchBinWriter
{
    /// <summary>A tensor to save: its bytes, or a view into another entry's storage (<paramref name="ShareWith"/>, element offset).</summary>
    public sealed record Entry(string Name, SafeTensorDType DType, long[] Shape, byte[] Data, string? ShareWith = null, long StorageOffset = 0, long[]? Stride = null);

    public static void Write(string path, IReadOnlyList<Entry> entries, Func<byte[], byte[]>? mutatePickle = null)
    {
        var storages = new List<(string Key, SafeTensorDType DType, byte[] Data)>();
        var keyOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in entries.Where(e => e.ShareWith is null))
        {
            keyOf[e.Name] = storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            storages.Add((keyOf[e.Name], e.DType, e.Data));
        }
        var p = new PickleBuilder();
        p.Proto(2);
        p.Global("collections", "OrderedDict"); p.Op(')'); p.Op('R');
        p.Op('(');
        foreach (var e in entries)
        {
            var owner = e.ShareWith ?? e.Name;
            var storage = storages[int.Parse(keyOf[owner], System.Globalization.CultureInfo.InvariantCulture)];
            p.Str(e.Name);
            p.Global("torch._utils", "_rebuild_tensor_v2");
            p.Op('(');
            p.Op('('); p.Str("storage"); p.Global("torch", StorageName(storage.DType)); p.Str(storage.Key); p.Str("cpu");
            p.Int(storage.Data.Length / storage.DType.SizeInBytes()); p.Op('t'); p.Op('Q');
            p.Int(e.StorageOffset);
            p.Tuple(e.Shape);
            p.Tuple(e.Stride ?? Contiguous(e.Shape));
            p.Byte(0x89);
            p.Global("collections", "OrderedDict"); p.Op(')'); p.Op('R');
            p.Op('t'); p.Op('R');
        }
        p.Op('u');
        // state_dict()._metadata, as PyTorch pickles it: BUILD with {"_metadata": OrderedDict()}.
        p.Op('}'); p.Str("_metadata"); p.Global("collections", "OrderedDict"); p.Op(')'); p.Op('R'); p.Op('s'); p.Op('b');
        p.Op('.');
        var pickle = p.ToArray();
        if (mutatePickle is not null) pickle = mutatePickle(pickle);

        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        void Add(string name, byte[] data)
        {
            var entry = zip.CreateEntry("archive/" + name, CompressionLevel.NoCompression);
            using var s = entry.Open();
            s.Write(data);
        }
        Add("data.pkl", pickle);
        Add("byteorder", Encoding.ASCII.GetBytes("little"));
        foreach (var (key, _, data) in storages) Add("data/" + key, data);
        Add("version", Encoding.ASCII.GetBytes("3\n"));
    }

    /// <summary>The tensors of a safetensors checkpoint as entries (same names, dtypes and bytes).</summary>
    public static List<Entry> FromSafeTensors(CheckpointWeights weights) =>
        [.. weights.Names.Select(n => { var i = weights.GetInfo(n); return new Entry(n, i.DType, [.. i.Shape], weights.GetBytes(n).ToArray()); })];

    private static long[] Contiguous(long[] shape)
    {
        var stride = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { stride[i] = s; s *= shape[i]; }
        return stride;
    }

    private static string StorageName(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F32 => "FloatStorage", SafeTensorDType.F16 => "HalfStorage", SafeTensorDType.BF16 => "BFloat16Storage",
        SafeTensorDType.F64 => "DoubleStorage", SafeTensorDType.I64 => "LongStorage", SafeTensorDType.I32 => "IntStorage",
        SafeTensorDType.I16 => "ShortStorage", SafeTensorDType.I8 => "CharStorage", SafeTensorDType.U8 => "ByteStorage",
        _ => "BoolStorage",
    };

    /// <summary>Pickle protocol 2 opcodes, with memoisation (BINPUT) as the Python pickler emits it.</summary>
    public sealed class PickleBuilder
    {
        private readonly MemoryStream _s = new();
        private int _memo;

        public void Proto(int version) { _s.WriteByte(0x80); _s.WriteByte((byte)version); }
        public void Op(char op) => _s.WriteByte((byte)op);
        public void Byte(byte op) => _s.WriteByte(op);
        public void Global(string module, string name) { Op('c'); Raw(Encoding.ASCII.GetBytes(module + "\n" + name + "\n")); Put(); }
        public void Str(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            Op('X'); Raw(BitConverter.GetBytes(bytes.Length)); Raw(bytes); Put();
        }
        public void Int(long v)
        {
            if (v is >= 0 and < 256) { Op('K'); _s.WriteByte((byte)v); }
            else if (v is >= int.MinValue and <= int.MaxValue) { Op('J'); Raw(BitConverter.GetBytes((int)v)); }
            else { Byte(0x8a); _s.WriteByte(8); Raw(BitConverter.GetBytes(v)); }
        }
        public void Tuple(long[] values) { Op('('); foreach (var v in values) Int(v); Op('t'); }
        public void Raw(byte[] bytes) => _s.Write(bytes);
        private void Put() { if (_memo < 256) { Op('q'); _s.WriteByte((byte)_memo); } else { Op('r'); Raw(BitConverter.GetBytes(_memo)); } _memo++; }
        public byte[] ToArray() => _s.ToArray();
    }
}
