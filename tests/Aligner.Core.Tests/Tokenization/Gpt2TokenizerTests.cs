using Aligner.Tokenization;

namespace Aligner.Core.Tests.Tokenization;

public sealed class Gpt2TokenizerTests
{
    private static readonly HuggingFaceTokenizer Gpt2 = TokenizerLoader.CreateGpt2();

    [Fact]
    public void Encodes_known_gpt2_ids()
    {
        // Ids published with GPT-2 (and reproduced by tiktoken's "gpt2" encoding).
        Assert.Equal([15496, 995], Gpt2.Encode("Hello world"));
        Assert.Equal([15496, 11, 995, 0], Gpt2.Encode("Hello, world!"));
        Assert.Equal([50256], Gpt2.Encode("<|endoftext|>", parseSpecialTokens: true));
    }

    [Fact]
    public void Special_token_look_alike_is_plain_text_unless_parsing_is_asked()
    {
        var plain = Gpt2.Encode("<|endoftext|>");
        Assert.DoesNotContain(50256, plain);
        Assert.Equal("<|endoftext|>", Gpt2.Decode(plain));
        Assert.Equal([50256], Gpt2.Encode("<|endoftext|>", parseSpecialTokens: true));
    }

    [Fact]
    public void Uses_endoftext_as_bos_eos_pad_and_adds_nothing()
    {
        Assert.Equal(50257, Gpt2.VocabularySize);
        Assert.Equal(50256, Gpt2.BosTokenId);
        Assert.Equal(50256, Gpt2.EosTokenId);
        Assert.Equal(50256, Gpt2.PadTokenId);
        Assert.False(Gpt2.AddsBosToken);
        Assert.False(Gpt2.AddsEosToken);
        Assert.True(Gpt2.IsSpecialToken(50256));
        Assert.False(Gpt2.IsSpecialToken(15496));
        Assert.Equal("Hello", Gpt2.IdToToken(15496));
        Assert.Equal(995, Gpt2.TokenToId("Ġworld"));
    }

    [Fact]
    public void Agrees_with_microsoft_ml_tiktoken_on_the_corpus()
    {
        var tiktoken = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForModel("gpt2");
        string[] samples =
        [
            "The quick brown fox jumps over the lazy dog.",
            "  leading and trailing spaces  ",
            "tabs\tand\nnewlines\r\n\r\nend",
            "12345678901234567890 3.14159 -42",
            "def f(x):\n    return x ** 2  # square",
            "https://example.com/path?query=1&b=2#frag",
            "Emoji: 👍🏽 👨‍👩‍👧‍👦 🇫🇷",
            "中文字符和日本語のテキスト",
            "Привет, мир! مرحبا بالعالم",
            "I'm sure they'll say it's fine, we've done what you'd expect",
        ];
        foreach (var s in samples.Concat(ReferenceTokenizers.Reference.Corpus))
            Assert.Equal(tiktoken.EncodeToIds(s), Gpt2.Encode(s, parseSpecialTokens: true));
    }

    [Fact]
    public void Saved_folder_loads_back_with_identical_ids()
    {
        var folder = Path.Combine(Path.GetTempPath(), "aligner-gpt2-" + Guid.NewGuid().ToString("N"));
        try
        {
            Gpt2.Save(folder);
            Assert.True(File.Exists(Path.Combine(folder, "tokenizer.json")));
            Assert.True(File.Exists(Path.Combine(folder, "tokenizer_config.json")));
            Assert.True(File.Exists(Path.Combine(folder, "special_tokens_map.json")));
            var loaded = TokenizerLoader.Load(folder);
            const string text = "Aligner corrects answers: <|endoftext|> 42 times 😀.";
            Assert.Equal(Gpt2.Encode(text), loaded.Encode(text));
            Assert.Equal(Gpt2.Encode(text, parseSpecialTokens: true), loaded.Encode(text, parseSpecialTokens: true));
            Assert.Equal(Gpt2.VocabularySize, loaded.VocabularySize);
            Assert.Equal(50256, loaded.EosTokenId);
            Assert.Equal(50256, loaded.PadTokenId);
            Assert.False(loaded.AddsBosToken);
            Assert.False(loaded.AddsEosToken);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Decode_round_trips_and_skips_special_tokens()
    {
        const string text = "Round trip: ünïcödé, 中文, 🎉 and \r\n spaces   ";
        var ids = Gpt2.Encode(text);
        Assert.Equal(text, Gpt2.Decode(ids));
        Assert.Equal(text, Gpt2.Decode([.. ids, 50256]));
        Assert.Equal(text + "<|endoftext|>", Gpt2.Decode([.. ids, 50256], skipSpecialTokens: false));
    }
}
