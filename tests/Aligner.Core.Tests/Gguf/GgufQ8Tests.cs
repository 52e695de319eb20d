using Aligner.Gguf;

namespace Aligner.Core.Tests.Gguf;

/// <summary>Q8_0 blocks as ggml writes them (llama.cpp reading our exports is checked in Aligner.LlamaCpp.Tests).</summary>
public sealed class GgufQ8Tests
{
    [Fact]
    public void A_block_is_an_f16_scale_and_32_rounded_bytes()
    {
        var values = Enumerable.Range(0, 32).Select(i => (i - 16) * 0.25f).ToArray();   // -4 … 3.75
        var bytes = new byte[34];
        GgufTensorTypes.QuantizeQ8_0(values, bytes);
        float d = 4f / 127f;
        Assert.Equal((Half)d, BitConverter.ToHalf(bytes, 0));
        for (int j = 0; j < 32; j++)
            Assert.Equal((sbyte)MathF.Round(values[j] / d, MidpointRounding.AwayFromZero), (sbyte)bytes[2 + j]);
        Assert.Equal(-127, (sbyte)bytes[2]);

        var back = new float[32];
        GgufTensorTypes.DequantizeQ8_0(bytes, back);
        for (int j = 0; j < 32; j++) Assert.InRange(Math.Abs(back[j] - values[j]), 0, (float)(Half)d * 0.5f + 1e-3f);
        Assert.Equal(34L * 3, GgufTensorType.Q8_0.ByteCount(96));
        Assert.Throws<ArgumentException>(() => GgufTensorType.Q8_0.ByteCount(33));
    }

    [Fact]
    public void A_zero_block_has_a_zero_scale()
    {
        var bytes = new byte[34];
        GgufTensorTypes.QuantizeQ8_0(new float[32], bytes);
        Assert.All(bytes, b => Assert.Equal(0, b));
    }

    [Fact]
    public void The_reader_refuses_a_q8_0_tensor_whose_rows_are_not_whole_blocks()
    {
        var path = Path.Combine(Path.GetTempPath(), "aligner-q8-" + Guid.NewGuid().ToString("N") + ".gguf");
        try
        {
            var ok = new GgufWriter();
            ok.AddTensor("w", GgufTensorType.Q8_0, [2, 32], new byte[68]);
            ok.Save(path);
            var file = GgufFile.Open(path);
            Assert.Equal(64, file.ReadTensorSingles("w").Length);

            // Patch the stored innermost dimension from 32 to 16: the file now describes half-blocks.
            var bytes = File.ReadAllBytes(path);
            int at = IndexOf(bytes, BitConverter.GetBytes(32L));
            bytes[at] = 16;
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<ModelFormatException>(() => GgufFile.Open(path));
            Assert.Contains("block size", e.Message);
        }
        finally { File.Delete(path); }
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        throw new InvalidOperationException("not found");
    }
}
