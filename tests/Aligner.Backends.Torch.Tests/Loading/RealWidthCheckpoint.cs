using System.Runtime.InteropServices;
using Aligner.Checkpoints;

namespace Aligner.Backends.Torch.Tests.Loading;

/// <summary>
/// Writes a checkpoint of real width without holding it in memory: Llama-2-7B's shapes (hidden 4096, FFN 11008, 32 heads,
/// vocab 32000, untied head) with a chosen number of layers, bf16 values from a seeded generator, streamed to disk.
/// </summary>
internal static class RealWidthCheckpoint
{
    public static DecoderConfig Config(int layers) => DecoderConfig.Create("llama", 4096, 11008, layers, 32, 32, 32000) with
    {
        MaxPositionEmbeddings = 4096, EosTokenIds = [2], BosTokenId = 1, TorchDtype = "bfloat16",
    };

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c>; returns the weights' bytes.</summary>
    public static long Write(string folder, int layers, int seed = 7)
    {
        var config = Config(layers);
        Directory.CreateDirectory(folder);
        config.Save(Path.Combine(folder, CheckpointFolder.ConfigFileName));
        // One seeded block of valid bf16 values (|x| < 0.05), written repeatedly at a per-tensor rotation.
        var block = new ushort[1 << 20];
        var random = new Random(seed);
        for (int i = 0; i < block.Length; i++) block[i] = (ushort)(BitConverter.SingleToInt32Bits((float)(random.NextDouble() - 0.5) / 10) >> 16);
        var bytes = MemoryMarshal.AsBytes(block.AsSpan()).ToArray();
        var writer = new SafeTensorsWriter();
        long total = 0;
        int tensorIndex = 0;
        void Add(string name, params long[] shape)
        {
            int rotation = (tensorIndex++ * 4099) % block.Length * 2;
            long length = shape.Aggregate(1L, (a, b) => a * b) * 2;
            total += length;
            writer.AddStreamed(name, SafeTensorDType.BF16, shape, stream =>
            {
                long left = length;
                int at = rotation;
                while (left > 0)
                {
                    int n = (int)Math.Min(left, bytes.Length - at);
                    stream.Write(bytes, at, n);
                    left -= n;
                    at = 0;
                }
            });
        }
        Add("model.embed_tokens.weight", 32000, 4096);
        for (int l = 0; l < layers; l++)
        {
            var p = $"model.layers.{l}.";
            Add(p + "self_attn.q_proj.weight", 4096, 4096);
            Add(p + "self_attn.k_proj.weight", 4096, 4096);
            Add(p + "self_attn.v_proj.weight", 4096, 4096);
            Add(p + "self_attn.o_proj.weight", 4096, 4096);
            Add(p + "mlp.gate_proj.weight", 11008, 4096);
            Add(p + "mlp.up_proj.weight", 11008, 4096);
            Add(p + "mlp.down_proj.weight", 4096, 11008);
            Add(p + "input_layernorm.weight", 4096);
            Add(p + "post_attention_layernorm.weight", 4096);
        }
        Add("model.norm.weight", 4096);
        Add("lm_head.weight", 32000, 4096);
        writer.Save(Path.Combine(folder, CheckpointWeights.SingleFileName));
        return total;
    }
}
