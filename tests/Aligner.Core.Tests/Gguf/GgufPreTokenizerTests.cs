using System.Text.Json;
using Aligner.Checkpoints;
using Aligner.Gguf;

namespace Aligner.Core.Tests.Gguf;

/// <summary>
/// The GGUF exporter describes the loaded tokenizer: llama.cpp's pre-tokenizer is named from the loaded pre-tokenizer
/// steps (whatever the JSON's formatting), BOS from what encoding adds.
/// </summary>
public sealed class GgufPreTokenizerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "aligner-gguf-pre-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private GgufTokenizerVocabulary Load(object preTokenizer, bool indented, object? postProcessor = null)
    {
        Directory.CreateDirectory(_folder);
        var vocab = new Dictionary<string, int> { ["<s>"] = 0, ["a"] = 1, ["b"] = 2, ["ab"] = 3 };
        var tokenizer = new Dictionary<string, object?>
        {
            ["model"] = new { type = "BPE", vocab, merges = new[] { "a b" } },
            ["post_processor"] = postProcessor,
            ["pre_tokenizer"] = preTokenizer,
            ["decoder"] = new { type = "ByteLevel" },
        };
        File.WriteAllText(Path.Combine(_folder, "tokenizer.json"), JsonSerializer.Serialize(tokenizer, new JsonSerializerOptions { WriteIndented = indented }));
        var config = DecoderConfig.Create("qwen2", 8, 16, 1, 2, 1, 4) with { BosTokenId = 0 };
        return GgufTokenizerVocabulary.Load(_folder, config);
    }

    private string? PreTokenizerOf(object preTokenizer, bool indented) => Load(preTokenizer, indented).PreTokenizer;

    [Fact]
    public void Add_bos_is_read_from_the_post_processor_template_by_exact_token()
    {
        var byteLevel = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true };
        var template = new
        {
            type = "TemplateProcessing",
            single = new object[] { new { SpecialToken = new { id = "<s>", type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } },
            pair = new object[] { new { Sequence = new { id = "A", type_id = 0 } } },
            special_tokens = new Dictionary<string, object> { ["<s>"] = new { id = "<s>", ids = new[] { 0 }, tokens = new[] { "<s>" } } },
        };
        Assert.True(Load(byteLevel, false, new { type = "Sequence", processors = new object[] { byteLevel, template } }).AddBos);
        var withoutBos = new { type = "TemplateProcessing", single = new object[] { new { Sequence = new { id = "A", type_id = 0 } } }, special_tokens = template.special_tokens };
        Assert.False(Load(byteLevel, true, withoutBos).AddBos);
    }

    private const string Qwen2 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    private const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Split_regexes_and_byte_level_use_regex_are_read_from_the_loaded_pre_tokenizer(bool indented)
    {
        object Sequence(string regex) => new
        {
            type = "Sequence",
            pretokenizers = new object[]
            {
                new { type = "Split", pattern = new { Regex = regex }, behavior = "Isolated", invert = false },
                new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
            },
        };
        Assert.Equal("qwen2", PreTokenizerOf(Sequence(Qwen2), indented));
        Assert.Equal("llama-bpe", PreTokenizerOf(Sequence(Llama3), indented));
        Assert.Equal("gpt-2", PreTokenizerOf(new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true }, indented));
        Assert.Equal("default", PreTokenizerOf(new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = false }, indented));
    }
}
