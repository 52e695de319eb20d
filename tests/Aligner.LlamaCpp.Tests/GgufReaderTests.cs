using System.Buffers.Binary;
using System.Text;
using Aligner.Gguf;

namespace Aligner.LlamaCpp.Tests;

/// <summary>The GGUF reader on valid, hand-corrupted and fuzzed files: typed errors naming the field, never a crash or a huge allocation.</summary>
public sealed class GgufReaderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "aligner-gguf-read-" + Guid.NewGuid().ToString("N"));

    public GgufReaderTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static GgufWriter SmallModel()
    {
        var w = new GgufWriter();
        w.Add("general.architecture", GgufValue.From("llama"));
        w.Add("llama.block_count", GgufValue.From(2u));
        w.Add("llama.rope.freq_base", GgufValue.From(10000f));
        w.Add("tokenizer.ggml.tokens", GgufValue.Array(GgufValueType.String, new[] { "<s>", "a", "▁b" }));
        w.Add("tokenizer.ggml.scores", GgufValue.Array(GgufValueType.Float32, new[] { 0f, -1f, -2f }));
        w.Add("general.some_flag", GgufValue.From(true));
        w.Add("general.big", GgufValue.Scalar(GgufValueType.Int64, -5L));
        w.AddTensor("token_embd.weight", GgufTensorType.F32, [3, 4], Enumerable.Range(0, 12).SelectMany(i => BitConverter.GetBytes((float)i)).ToArray());
        w.AddTensor("output_norm.weight", GgufTensorType.F16, [4], Enumerable.Range(0, 4).SelectMany(i => BitConverter.GetBytes((Half)(i * 0.5f))).ToArray());
        return w;
    }

    private byte[] SmallModelBytes()
    {
        using var ms = new MemoryStream();
        SmallModel().WriteTo(ms);
        return ms.ToArray();
    }

    private string Write(byte[] bytes, string name = "m.gguf")
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Round_trip_keeps_metadata_types_tensor_shapes_and_data()
    {
        var path = Path.Combine(_folder, "m.gguf");
        SmallModel().Save(path);
        var file = GgufFile.Open(path);
        Assert.Equal("llama", file.Architecture);
        Assert.Equal(["general.architecture", "llama.block_count", "llama.rope.freq_base", "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "general.some_flag", "general.big"], file.MetadataKeys);
        Assert.Equal(GgufValueType.UInt32, file.Require("llama.block_count").Type);
        Assert.Equal(10000.0, file.Require("llama.rope.freq_base").AsDouble());
        Assert.Equal(["<s>", "a", "▁b"], file.Require("tokenizer.ggml.tokens").AsArray<string>());
        Assert.Equal(-5L, file.Require("general.big").AsInteger());
        Assert.True((bool)file.Require("general.some_flag").Value);
        var embedding = file.GetTensor("token_embd.weight");
        Assert.Equal([4L, 3L], embedding.Dimensions);
        Assert.Equal([3L, 4L], embedding.TorchShape);
        Assert.Equal(0, file.DataOffset % 32);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), file.ReadTensorSingles("token_embd.weight"));
        Assert.Equal([0f, 0.5f, 1f, 1.5f], file.ReadTensorSingles("output_norm.weight"));
        Assert.Equal(0, file.GetTensor("output_norm.weight").Offset % 32);
        var missing = Assert.Throws<ModelFormatException>(() => file.Require("llama.context_length"));
        Assert.Equal("llama.context_length", missing.Field);
    }

    [Fact]
    public void Header_layout_matches_the_gguf_v3_specification()
    {
        var bytes = SmallModelBytes();
        Assert.Equal("GGUF"u8.ToArray(), bytes[..4]);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(2ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(7ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16)));
        // First key: u64 length, bytes, then the u32 type tag of a string (8), u64 length, "llama".
        Assert.Equal((ulong)"general.architecture".Length, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24)));
        Assert.Equal("general.architecture", Encoding.UTF8.GetString(bytes, 32, 20));
        Assert.Equal(8u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(52)));
        Assert.Equal(5ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(56)));
        Assert.Equal("llama", Encoding.UTF8.GetString(bytes, 64, 5));
    }

    [Fact]
    public void Every_truncation_is_a_model_format_error()
    {
        var bytes = SmallModelBytes();
        var complete = GgufFile.Open(Write(bytes, "complete.gguf"));
        long dataEnd = complete.DataOffset + complete.TensorInfos.Max(t => t.Offset + t.ByteLength);
        Assert.Equal(2, GgufFile.Open(Write(bytes[..(int)dataEnd])).TensorInfos.Count); // the padding after the last tensor is optional
        for (int length = 0; length < dataEnd; length += length < 400 ? 1 : 7)
        {
            var path = Write(bytes[..length]);
            var e = Record.Exception(() => GgufFile.Open(path));
            Assert.True(e is ModelFormatException, $"length {length}: {e?.GetType().Name ?? "no error"}: {e?.Message}");
        }
    }

    [Fact]
    public void Fuzzed_files_either_open_or_fail_with_a_model_format_error()
    {
        var original = SmallModelBytes();
        var random = new Random(12345);
        int opened = 0;
        for (int i = 0; i < 600; i++)
        {
            var bytes = (byte[])original.Clone();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                int at = random.Next(0, Math.Min(bytes.Length, 420));
                bytes[at] = random.Next(3) switch { 0 => (byte)random.Next(256), 1 => 0xFF, _ => (byte)(bytes[at] ^ (1 << random.Next(8))) };
            }
            var path = Write(bytes);
            try
            {
                var file = GgufFile.Open(path);
                foreach (var t in file.TensorInfos) file.ReadTensorSingles(t.Name);
                opened++;
            }
            catch (ModelFormatException e)
            {
                Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
            }
        }
        Assert.InRange(opened, 1, 599);
    }

    [Fact]
    public void Huge_counts_and_lengths_are_refused_before_allocating()
    {
        var bytes = SmallModelBytes();
        var hugeString = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(hugeString.AsSpan(56), ulong.MaxValue / 2);
        Assert.Equal("general.architecture", Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(hugeString))).Field);

        var hugeKeyCount = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(hugeKeyCount.AsSpan(16), 1L << 60);
        Assert.Contains("metadata count", Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(hugeKeyCount))).Message);

        var hugeTensorCount = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(hugeTensorCount.AsSpan(8), 1L << 40);
        Assert.Contains("tensor count", Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(hugeTensorCount))).Message);

        int arrayCount = IndexOf(bytes, "tokenizer.ggml.tokens") + "tokenizer.ggml.tokens".Length + 8;
        var hugeArray = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(hugeArray.AsSpan(arrayCount), 1L << 50);
        var e = Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(hugeArray)));
        Assert.Equal("tokenizer.ggml.tokens", e.Field);
        Assert.Contains("runs past the end", e.Message);
    }

    [Fact]
    public void Wrong_magic_version_type_and_tensor_entries_are_named()
    {
        var bytes = SmallModelBytes();
        var magic = (byte[])bytes.Clone();
        magic[0] = (byte)'X';
        Assert.Contains("not a GGUF file", Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(magic))).Message);

        var version = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(version.AsSpan(4), 1);
        Assert.IsType<NotSupportedModelException>(Assert.ThrowsAny<ModelFormatException>(() => GgufFile.Open(Write(version))));

        var valueType = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(valueType.AsSpan(52), 99);
        var typeError = Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(valueType)));
        Assert.Equal("general.architecture", typeError.Field);

        int tensorEntry = IndexOf(bytes, "output_norm.weight") + "output_norm.weight".Length;
        var dims = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(dims.AsSpan(tensorEntry), 5);
        Assert.Equal("output_norm.weight", Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(dims))).Field);

        var quantized = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(quantized.AsSpan(tensorEntry + 4 + 8), 2); // Q4_0
        var q = Assert.ThrowsAny<ModelFormatException>(() => GgufFile.Open(Write(quantized)));
        Assert.IsType<NotSupportedModelException>(q);
        Assert.Equal("output_norm.weight", q.Field);

        var misaligned = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(misaligned.AsSpan(tensorEntry + 4 + 8 + 4), 4);
        Assert.Contains("alignment", Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(misaligned))).Message);

        var overlapping = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(overlapping.AsSpan(tensorEntry + 4 + 8 + 4), 32);
        Assert.Contains("overlaps", Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(overlapping))).Message);

        var pastEnd = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(pastEnd.AsSpan(tensorEntry + 4 + 8 + 4), 1 << 20);
        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(pastEnd))).Message);
    }

    [Fact]
    public void Duplicate_keys_and_tensor_names_are_refused()
    {
        var w = new GgufWriter();
        w.Add("a", GgufValue.From(1u));
        Assert.Throws<ArgumentException>(() => w.Add("a", GgufValue.From(2u)));
        w.AddTensor("t", GgufTensorType.F32, [1], new byte[4]);
        Assert.Throws<ArgumentException>(() => w.AddTensor("t", GgufTensorType.F32, [1], new byte[4]));

        // Hand-made duplicate key: rename the second key to the first one's text of equal length.
        var twoKeys = new GgufWriter().Add("key.one", GgufValue.From(1u)).Add("key.two", GgufValue.From(2u));
        using var ms = new MemoryStream();
        twoKeys.WriteTo(ms);
        var raw = ms.ToArray();
        Encoding.UTF8.GetBytes("key.one").CopyTo(raw, IndexOf(raw, "key.two"));
        Assert.Equal("key.one", Assert.Throws<ModelFormatException>(() => GgufFile.Open(Write(raw))).Field);
    }

    private static int IndexOf(byte[] haystack, string text) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text));
}
