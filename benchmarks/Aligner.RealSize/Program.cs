using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Aligner.Backends.Torch;
using Aligner.Checkpoints;
using Aligner.Tokenization;
using TorchSharp;

// Real-size loading and speed check (not run in CI; see benchmarks/README.md).
//   write <folder> [--layers 32] [--shards 3] [--tokenizer <folder with tokenizer.json>]
//       a Llama-2-7B-shaped checkpoint (hidden 4096, FFN 11008, 32 heads, vocab 32000, untied), random bf16 weights,
//       sharded with model.safetensors.index.json (~13.5 GB at 32 layers), streamed to disk.
//   run <folder> [--dtype auto|f32|bf16|f16] [--prompt 64] [--new 16] [--threads N]
//       page-cache read time of the shards, load time and peak RSS of TorchCorrectionModel.Load, prefill and decode
//       tokens/s, beside the machine's memory limits and a libtorch read-bandwidth probe.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 1 && args[0] == "probe") return Probe();
if (args.Length < 2) { Console.Error.WriteLine("usage: write <folder> [--layers N] [--shards N] [--tokenizer DIR] | run <folder> [--dtype D] [--prompt N] [--new N] [--threads N]"); return 2; }
string Option(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
var folder = Path.GetFullPath(args[1]);
return args[0] switch
{
    "write" => Write(folder, int.Parse(Option("--layers", "32")), int.Parse(Option("--shards", "3")), Option("--tokenizer", "")),
    "probe" => Probe(),
    "run" => Run(folder, Option("--dtype", "auto"), int.Parse(Option("--prompt", "64")), int.Parse(Option("--new", "16")), int.Parse(Option("--threads", "0")), Option("--storage", "auto")),
    _ => 2,
};

static int Write(string folder, int layers, int shards, string tokenizerFolder)
{
    var clock = Stopwatch.StartNew();
    Directory.CreateDirectory(folder);
    var config = DecoderConfig.Create("llama", 4096, 11008, layers, 32, 32, 32000) with
    {
        MaxPositionEmbeddings = 4096, EosTokenIds = [2], BosTokenId = 1, TorchDtype = "bfloat16",
    };
    config.Save(Path.Combine(folder, CheckpointFolder.ConfigFileName));
    new GenerationConfig { EosTokenIds = [2] }.Save(Path.Combine(folder, GenerationConfig.FileName));
    if (tokenizerFolder.Length > 0)
    {
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
            if (File.Exists(Path.Combine(tokenizerFolder, f))) File.Copy(Path.Combine(tokenizerFolder, f), Path.Combine(folder, f), true);
    }
    else TokenizerLoader.CreateGpt2().Save(folder);

    var tensors = new List<(string Name, long[] Shape)> { ("model.embed_tokens.weight", [32000, 4096]) };
    for (int l = 0; l < layers; l++)
    {
        var p = $"model.layers.{l}.";
        tensors.AddRange([(p + "self_attn.q_proj.weight", [4096, 4096]), (p + "self_attn.k_proj.weight", [4096, 4096]),
            (p + "self_attn.v_proj.weight", [4096, 4096]), (p + "self_attn.o_proj.weight", [4096, 4096]),
            (p + "mlp.gate_proj.weight", [11008, 4096]), (p + "mlp.up_proj.weight", [11008, 4096]), (p + "mlp.down_proj.weight", [4096, 11008]),
            (p + "input_layernorm.weight", [4096]), (p + "post_attention_layernorm.weight", [4096])]);
    }
    tensors.AddRange([("model.norm.weight", [4096]), ("lm_head.weight", [32000, 4096])]);
    long total = tensors.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b) * 2);

    // Seeded random bf16 values, |x| < 0.05 (norm weights 1.0): one 8 MB block written at a per-tensor rotation.
    var block = new ushort[4 << 20];
    var random = new Random(1234);
    for (int i = 0; i < block.Length; i++) block[i] = (ushort)(BitConverter.SingleToInt32Bits((float)(random.NextDouble() - 0.5) / 10) >> 16);
    var bytes = MemoryMarshal.AsBytes(block.AsSpan()).ToArray();
    var ones = MemoryMarshal.AsBytes(Enumerable.Repeat((ushort)0x3F80, 4096).ToArray().AsSpan()).ToArray();

    var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
    long perShard = (total + shards - 1) / shards, written = 0;
    int index = 0;
    for (int s = 0; s < shards; s++)
    {
        var name = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
        var writer = new SafeTensorsWriter();
        long shardBytes = 0;
        // A shard holds the next tensors in model order, written sorted by name as Hugging Face's safetensors writer does
        // (k_proj, o_proj, q_proj, v_proj: q/k/v are not adjacent in the file, gate/up are).
        var shardTensors = new List<int>();
        while (index < tensors.Count && (shardBytes < perShard || s == shards - 1))
        {
            shardBytes += tensors[index].Shape.Aggregate(1L, (a, b) => a * b) * 2;
            shardTensors.Add(index++);
        }
        foreach (int at in shardTensors.OrderBy(i => tensors[i].Name, StringComparer.Ordinal))
        {
            var (tensor, shape) = tensors[at];
            long length = shape.Aggregate(1L, (a, b) => a * b) * 2;
            int rotation = at * 8191 % block.Length * 2;
            bool norm = tensor.EndsWith("norm.weight", StringComparison.Ordinal);
            writer.AddStreamed(tensor, SafeTensorDType.BF16, shape, stream =>
            {
                if (norm) { stream.Write(ones); return; }
                for (long left = length, at = rotation; left > 0; at = 0)
                {
                    int n = (int)Math.Min(left, bytes.Length - at);
                    stream.Write(bytes, (int)at, n);
                    left -= n;
                }
            });
            weightMap[tensor] = name;
        }
        writer.Save(Path.Combine(folder, name));
        written += shardBytes;
        Console.WriteLine($"wrote {name}: {shardBytes / 1e9:F2} GB");
    }
    using (var stream = File.Create(Path.Combine(folder, CheckpointWeights.IndexFileName)))
    using (var json = new System.Text.Json.Utf8JsonWriter(stream, new() { Indented = true }))
    {
        json.WriteStartObject();
        json.WriteStartObject("metadata");
        json.WriteNumber("total_size", written);
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        foreach (var (k, v) in weightMap) json.WriteString(k, v);
        json.WriteEndObject();
        json.WriteEndObject();
    }
    Console.WriteLine($"checkpoint: {folder}, {layers} layers, {written / 1e9:F2} GB of bf16 weights in {shards} shards, {clock.Elapsed.TotalSeconds:F0} s");
    return 0;
}

static int Run(string folder, string dtypeName, int promptTokens, int newTokens, int threads, string storageName)
{
    TorchRuntime.EnsureInitialized();
    if (threads > 0) torch.set_num_threads(threads);
    var shards = Directory.GetFiles(folder, "*.safetensors");
    long fileBytes = shards.Sum(f => new FileInfo(f).Length);
    // The page-cache read time (the issue's yardstick for load time): read every shard once to warm, once to time.
    double readSeconds = 0;
    for (int pass = 0; pass < 2; pass++)
    {
        var c = Stopwatch.StartNew();
        foreach (var f in shards) { using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan); s.CopyTo(Stream.Null, 4 << 20); }
        readSeconds = c.Elapsed.TotalSeconds;
    }
    var available = Aligner.Memory.AvailableMemory.Read();
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, libtorch threads {torch.get_num_threads()}, MemTotal {MemTotal() / 1e9:F1} GB, available {available?.Bytes / 1e9:F1} GB ({available?.Source}), native bf16 {Aligner.Memory.CpuFeatures.Detect().NativeBFloat16}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
    Console.WriteLine($"files: {shards.Length} shards, {fileBytes / 1e9:F2} GB; page-cache read {readSeconds:F1} s ({fileBytes / 1e9 / readSeconds:F2} GB/s)");

    torch.ScalarType? dtype = dtypeName switch { "f32" => torch.ScalarType.Float32, "bf16" => torch.ScalarType.BFloat16, "f16" => torch.ScalarType.Float16, _ => null };
    long rssBefore = Status("VmRSS");
    var clock = Stopwatch.StartNew();
    var storage = storageName switch { "memory" => TorchWeightStorage.Memory, "mapped" => TorchWeightStorage.MappedFile, _ => TorchWeightStorage.Auto };
    using var model = TorchCorrectionModel.Load(folder, new TorchBackendOptions { DType = dtype, WeightStorage = storage });
    double loadSeconds = clock.Elapsed.TotalSeconds;
    long weightBytes = model.Decoder.Network.parameters().Sum(p => p.numel() * p.ElementSize);
    long peak = Status("VmHWM");
    Console.WriteLine($"load ({model.Decoder.Network.DType}, {(model.Decoder.Network.IsFileMapped ? "mapped from the files" : "read into memory")}): {loadSeconds:F1} s = {loadSeconds / readSeconds:F1}x the page-cache read; weights {weightBytes / 1e9:F2} GB; " +
        $"peak RSS {peak / 1e9:F2} GB (before load {rssBefore / 1e9:F2} GB; growth {(peak - rssBefore) / (double)weightBytes:F3}x the weights)");

    // Prefill and greedy decode on token ids below 32000.
    var decoder = model.Decoder;
    var random = new Random(5);
    var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(3, 32000)).ToArray();
    var mask = Enumerable.Repeat(1, promptTokens).ToArray();
    var logits = new float[decoder.VocabularySize];
    using var session = decoder.StartSession(1, promptTokens + newTokens + 2);
    clock.Restart();
    session.Prefill(prompt, mask, promptTokens, logits);
    double prefillSeconds = clock.Elapsed.TotalSeconds;
    int Argmax() { int best = 0; for (int v = 1; v < logits.Length; v++) if (logits[v] > logits[best]) best = v; return best; }
    session.Step([Argmax()], logits); // warm-up step (kernel selection), not timed
    clock.Restart();
    for (int i = 0; i < newTokens; i++)
    {
        session.Step([Argmax()], logits);
    }
    double decodeSeconds = clock.Elapsed.TotalSeconds;
    double decodeRate = newTokens / decodeSeconds;
    Console.WriteLine($"prefill {promptTokens} tokens: {prefillSeconds:F1} s = {promptTokens / prefillSeconds:F2} tok/s; decode {newTokens} tokens: {decodeRate:F2} tok/s " +
        $"(= {weightBytes * decodeRate / 1e9:F1} GB/s of weights read)");
    Console.WriteLine($"load average now {File.ReadAllText("/proc/loadavg").Trim()}");
    Console.WriteLine($"peak RSS after generation {Status("VmHWM") / 1e9:F2} GB");
    Console.WriteLine($"read bandwidth probe (libtorch sum over 1 GiB f32, same threads): {Bandwidth():F1} GB/s");
    Probe();
    return 0;
}

// The floor under any load time: filling fresh anonymous memory (first-touch page faults), 4 KiB pages and 2 MiB
// transparent huge pages (what the loader asks for), 1 GiB each, best of 3.
static int Probe()
{
    Console.WriteLine($"fresh-memory fill, 4 KiB pages: {Fill(false):F2} GB/s; 2 MiB pages (MADV_HUGEPAGE): {Fill(true):F2} GB/s; load average {File.ReadAllText("/proc/loadavg").Trim()}");
    return 0;
}

static unsafe double Fill(bool huge)
{
    const long size = 1L << 30;
    double best = 0;
    for (int i = 0; i < 3; i++)
    {
        var p = (byte*)NativeMemory.AlignedAlloc((nuint)size, 2 << 20);
        try
        {
            if (huge) _ = Madvise((nint)p, (nuint)size, 14);
            var c = Stopwatch.StartNew();
            for (long at = 0; at < size; at += 1 << 30) new Span<byte>(p + at, (int)Math.Min(1L << 30, size - at)).Fill(1);
            best = Math.Max(best, size / c.Elapsed.TotalSeconds / 1e9);
        }
        finally { NativeMemory.AlignedFree(p); }
    }
    return best;
}

[DllImport("libc", EntryPoint = "madvise")]
static extern int Madvise(nint address, nuint length, int advice);

static double Bandwidth()
{
    using var t = torch.ones(1L << 28, torch.ScalarType.Float32);
    double best = 0;
    for (int i = 0; i < 5; i++)
    {
        var c = Stopwatch.StartNew();
        using var s = t.sum();
        _ = s.item<float>();
        best = Math.Max(best, (1L << 30) / c.Elapsed.TotalSeconds / 1e9);
    }
    return best;
}

static long Status(string field)
{
    var m = Regex.Match(File.ReadAllText("/proc/self/status"), field + @":\s+(\d+) kB");
    return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1024 : 0;
}

static long MemTotal()
{
    var m = Regex.Match(File.ReadAllText("/proc/meminfo"), @"MemTotal:\s+(\d+) kB");
    return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1024 : 0;
}
