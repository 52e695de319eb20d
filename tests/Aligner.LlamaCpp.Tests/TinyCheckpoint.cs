using System.Text;
using System.Text.Json;
using Aligner.Checkpoints;

namespace Aligner.LlamaCpp.Tests;

/// <summary>A random Llama-family checkpoint folder with a real tokenizer, written to a temporary folder.</summary>
internal sealed class TinyCheckpoint : IDisposable
{
    private TinyCheckpoint(string path, DecoderConfig config)
    {
        Path = path;
        Config = config;
    }

    public string Path { get; }

    public DecoderConfig Config { get; }

    public static string TestData(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", name);

    /// <summary>A Llama checkpoint with Mistral's 32000-token SentencePiece-style tokenizer.</summary>
    public static TinyCheckpoint Llama(int seed = 1, bool tied = false) =>
        Create(DecoderConfig.Create("llama", 64, 160, 2, 4, 2, 32000) with
        {
            TieWordEmbeddings = tied, RmsNormEps = 1e-5, RopeTheta = 10000, BosTokenId = 1, EosTokenIds = [2], MaxPositionEmbeddings = 512,
        }, seed, folder =>
        {
            File.Copy(TestData("mistral-tokenizer.json"), System.IO.Path.Combine(folder, "tokenizer.json"));
            File.Copy(TestData("mistral-tokenizer_config.json"), System.IO.Path.Combine(folder, "tokenizer_config.json"));
        });

    /// <summary>A Qwen2 checkpoint (q/k/v biases, tied embeddings) with a small byte-level BPE tokenizer.</summary>
    public static TinyCheckpoint Qwen2(int seed = 2)
    {
        var tokenizer = ByteLevelTokenizer.Build();
        return Create(DecoderConfig.Create("qwen2", 64, 160, 2, 4, 2, tokenizer.VocabSize) with
        {
            TieWordEmbeddings = true, RmsNormEps = 1e-6, RopeTheta = 1_000_000, EosTokenIds = [tokenizer.EndOfText], MaxPositionEmbeddings = 512,
        }, seed, folder => File.WriteAllText(System.IO.Path.Combine(folder, "tokenizer.json"), tokenizer.Json));
    }

    public static TinyCheckpoint Create(DecoderConfig config, int seed, Action<string> writeTokenizer)
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "aligner-gguf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        config.Save(System.IO.Path.Combine(folder, "config.json"));
        writeTokenizer(folder);
        var random = new Random(seed);
        var writer = new SafeTensorsWriter();
        void Add(string name, long[] shape, float scale, float offset = 0)
        {
            var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            for (int i = 0; i < values.Length; i++) values[i] = offset + scale * (float)(random.NextDouble() * 2 - 1);
            writer.Add(name, values, shape);
        }
        int h = config.HiddenSize, q = config.NumAttentionHeads * config.HeadDim, kv = config.NumKeyValueHeads * config.HeadDim, f = config.IntermediateSize;
        Add("model.embed_tokens.weight", [config.VocabSize, h], 0.5f);
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            var p = $"model.layers.{i}.";
            Add(p + "input_layernorm.weight", [h], 0.2f, 1);
            Add(p + "self_attn.q_proj.weight", [q, h], 0.25f);
            Add(p + "self_attn.k_proj.weight", [kv, h], 0.25f);
            Add(p + "self_attn.v_proj.weight", [kv, h], 0.2f);
            if (config.HasQkvBias)
            {
                Add(p + "self_attn.q_proj.bias", [q], 0.1f);
                Add(p + "self_attn.k_proj.bias", [kv], 0.1f);
                Add(p + "self_attn.v_proj.bias", [kv], 0.1f);
            }
            Add(p + "self_attn.o_proj.weight", [h, q], 0.2f);
            Add(p + "post_attention_layernorm.weight", [h], 0.2f, 1);
            Add(p + "mlp.gate_proj.weight", [f, h], 0.2f);
            Add(p + "mlp.up_proj.weight", [f, h], 0.2f);
            Add(p + "mlp.down_proj.weight", [h, f], 0.15f);
        }
        Add("model.norm.weight", [h], 0.2f, 1);
        if (!config.TieWordEmbeddings) Add("lm_head.weight", [config.VocabSize, h], 0.3f);
        writer.Save(System.IO.Path.Combine(folder, "model.safetensors"));
        return new TinyCheckpoint(folder, config);
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A small GPT-2-style byte-level BPE tokenizer.json: 256 byte tokens, a few merges, one special token.</summary>
internal sealed class ByteLevelTokenizer
{
    public required string Json { get; init; }
    public required int VocabSize { get; init; }
    public required int EndOfText { get; init; }
    public required IReadOnlyDictionary<string, int> Vocab { get; init; }

    /// <summary>GPT-2's map from bytes to printable characters.</summary>
    public static char[] ByteToChar()
    {
        var map = new char[256];
        var direct = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToHashSet();
        int next = 256;
        for (int b = 0; b < 256; b++) map[b] = direct.Contains(b) ? (char)b : (char)next++;
        return map;
    }

    public static ByteLevelTokenizer Build()
    {
        var chars = ByteToChar();
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) vocab[chars[b].ToString()] = b;
        string space = chars[' '].ToString();
        var merges = new List<(string, string)>
        {
            ("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), (space, "w"), ("o", "r"), (space + "w", "or"), ("l", "d"), (space + "wor", "ld"),
            ("t", "h"), (space, "th"), ("e", "r"), (space + "th", "er"), ("i", "n"), ("in", "g"),
        };
        foreach (var (a, b) in merges) vocab.TryAdd(a + b, vocab.Count);
        int endOfText = vocab.Count;
        int vocabSize = endOfText + 1;
        var pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
        var doc = new
        {
            version = "1.0",
            added_tokens = new[] { new { id = endOfText, content = "<|endoftext|>", single_word = false, lstrip = false, rstrip = false, normalized = false, special = true } },
            normalizer = new { type = "NFC" },
            pre_tokenizer = new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = pattern }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
                },
            },
            post_processor = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
            decoder = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
            model = new
            {
                type = "BPE", dropout = (object?)null, unk_token = (string?)null, continuing_subword_prefix = "", end_of_word_suffix = "",
                fuse_unk = false, byte_fallback = false, ignore_merges = false, vocab, merges = merges.Select(m => new[] { m.Item1, m.Item2 }).ToArray(),
            },
        };
        var json = JsonSerializer.Serialize(doc, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return new ByteLevelTokenizer { Json = json, VocabSize = vocabSize, EndOfText = endOfText, Vocab = vocab };
    }
}
