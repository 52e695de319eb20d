using System.Text.Json.Nodes;
using Aligner.Tokenization;
using Aligner.Tokenization.PreTokenizers;

namespace Aligner.Core.Tests.Tokenization;

/// <summary>Hugging Face semantics of single components, on tiny tokenizers built here.</summary>
public sealed class TokenizerComponentTests
{
    [Theory]
    // The example of Hugging Face's SplitDelimiterBehavior documentation: "the-final--countdown" split on "-".
    [InlineData("Removed", "the|final|countdown")]
    [InlineData("Isolated", "the|-|final|-|-|countdown")]
    [InlineData("MergedWithPrevious", "the-|final-|-|countdown")]
    [InlineData("MergedWithNext", "the|-final|-|-countdown")]
    [InlineData("Contiguous", "the|-|final|--|countdown")]
    public void Split_behaviors_follow_hugging_face(string behavior, string expected)
    {
        var splitter = new SplitPreTokenizer(TextPattern.Literal("-"), Enum.Parse<SplitBehavior>(behavior), invert: false);
        var pieces = splitter.PreTokenize([new PreTokenPiece("the-final--countdown", true)]);
        Assert.Equal(expected, string.Join("|", pieces.Select(p => p.Text)));
    }

    [Theory]
    // Examples of the Hugging Face tokenizers documentation and tests for these pre-tokenizers.
    [InlineData("Whitespace", "Hello! How are you? I'm fine, thank you.", "Hello|!|How|are|you|?|I|'|m|fine|,|thank|you|.")]
    [InlineData("BertPreTokenizer", "Hello! How are you? I'm fine, thank you.", "Hello|!|How|are|you|?|I|'|m|fine|,|thank|you|.")]
    [InlineData("WhitespaceSplit", "Hello! How are you? I'm fine, thank you.", "Hello!|How|are|you?|I'm|fine,|thank|you.")]
    [InlineData("Punctuation", "Hey friend!     How are you?!?", "Hey friend|!|     How are you|?|!|?")]
    public void Character_class_pre_tokenizers_follow_hugging_face(string type, string text, string expected)
    {
        var doc = TinyTokenizerJson.SentencePieceStyle();
        doc["normalizer"] = null;
        doc["pre_tokenizer"] = new JsonObject { ["type"] = type };
        using var folder = new TinyTokenizerJson.Folder(doc);
        var tokenizer = TokenizerLoader.Load(folder.Path);
        var pieces = tokenizer.PreTokenizer!.PreTokenize([new PreTokenPiece(text, true)]);
        Assert.Equal(expected, string.Join("|", pieces.Select(p => p.Text)));
    }

    [Theory]
    [InlineData(@"\p{L}++", @"(?>\p{L}+)")]
    [InlineData(@"[a-z]*+b|\s?+x", @"(?>[a-z]*)b|(?>\s?)x")]
    [InlineData(@"(ab)++c{2,3}+", @"(?>(ab)+)(?>c{2,3})")]
    [InlineData(@"a+?b++", @"a+?(?>b+)")]
    [InlineData(@"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+", @"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+")]
    public void Possessive_quantifiers_become_atomic_groups(string oniguruma, string dotnet) =>
        Assert.Equal(dotnet, TextPattern.PossessiveToAtomic(oniguruma));

    [Fact]
    public void Possessive_quantifier_does_not_give_back()
    {
        Assert.Empty(TextPattern.FromRegex("[a-z]++b").FindMatches("aaab"));
        Assert.Equal([(0, 4)], TextPattern.FromRegex("[a-z]+b").FindMatches("aaab"));
    }

    [Fact]
    public void Regex_classes_see_code_points_outside_the_basic_plane()
    {
        // 𝐀 (U+1D400) is a letter: it joins the word instead of being split as two surrogate "symbols".
        var split = new SplitPreTokenizer(TextPattern.FromRegex(@"\p{L}+|[^\p{L}\s]+|\s+"), SplitBehavior.Isolated, false);
        var pieces = split.PreTokenize([new PreTokenPiece("ab𝐀c 😀!", true)]);
        Assert.Equal(["ab𝐀c", " ", "😀!"], pieces.Select(p => p.Text));
    }

    [Fact]
    public void Sentencepiece_style_tokenizer_merges_by_rank_and_falls_back_to_bytes()
    {
        using var folder = new TinyTokenizerJson.Folder(TinyTokenizerJson.SentencePieceStyle());
        var t = TokenizerLoader.Load(folder.Path);
        int Id(string token) => t.TokenToId(token)!.Value;

        Assert.Equal([Id("▁hello"), Id("▁world")], t.Encode("hello world", addSpecialTokens: false));
        Assert.Equal([1, Id("▁hello"), 2], t.Encode("hello"));
        // 'z' is not in the vocabulary: byte fallback <0x7A>; 'é' is two bytes.
        Assert.Equal([Id("▁"), Id("<0x7A>"), Id("<0xC3>"), Id("<0xA9>")], t.Encode("zé", addSpecialTokens: false));
        Assert.Equal("zé", t.Decode(t.Encode("zé")));
        Assert.Equal("hello world", t.Decode(t.Encode("hello world")));
        Assert.Equal("<s> hello</s>", t.Decode(t.Encode("hello"), skipSpecialTokens: false));
        Assert.True(t.AddsBosToken);
        Assert.True(t.AddsEosToken);
    }

    [Fact]
    public void Invalid_byte_fallback_sequence_decodes_to_one_replacement_per_byte()
    {
        using var folder = new TinyTokenizerJson.Folder(TinyTokenizerJson.SentencePieceStyle());
        var t = TokenizerLoader.Load(folder.Path);
        // <0xC3> alone, then 'h': Hugging Face's ByteFallback decoder gives U+FFFD per invalid byte.
        Assert.Equal("\uFFFDh", t.Decode([t.TokenToId("<0xC3>")!.Value, t.TokenToId("h")!.Value]));
        Assert.Equal("\uFFFD\uFFFD", t.Decode([t.TokenToId("<0xC3>")!.Value, t.TokenToId("<0xC3>")!.Value]));
    }

    [Fact]
    public void Config_flags_override_the_template()
    {
        using var folder = new TinyTokenizerJson.Folder(TinyTokenizerJson.SentencePieceStyle(),
            new JsonObject { ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["add_bos_token"] = true, ["add_eos_token"] = false });
        var t = TokenizerLoader.Load(folder.Path);
        Assert.True(t.AddsBosToken);
        Assert.False(t.AddsEosToken);
        Assert.Equal([1, t.TokenToId("▁hello")!.Value], t.Encode("hello"));
    }

    [Fact]
    public void Added_token_strip_and_single_word_options_are_honoured()
    {
        var doc = TinyTokenizerJson.SentencePieceStyle();
        var vocab = doc["model"]!["vocab"]!.AsObject();
        vocab["<mask>"] = 400;
        vocab["<w>"] = 401;
        doc["added_tokens"]!.AsArray().Add(TinyTokenizerJson.Added(400, "<mask>", special: true, lstrip: true, rstrip: true));
        doc["added_tokens"]!.AsArray().Add(TinyTokenizerJson.Added(401, "<w>", special: false, singleWord: true));
        using var folder = new TinyTokenizerJson.Folder(doc);
        var t = TokenizerLoader.Load(folder.Path);
        int hello = t.TokenToId("▁hello")!.Value, world = t.TokenToId("▁world")!.Value;

        // lstrip/rstrip: the spaces around <mask> belong to it.
        Assert.Equal([hello, 400, world], t.Encode("hello <mask> world", addSpecialTokens: false, parseSpecialTokens: true));
        // single_word: <w> inside a word is plain text; between spaces it is the token.
        Assert.Contains(401, t.Encode("hello <w> world", addSpecialTokens: false));
        Assert.DoesNotContain(401, t.Encode("hello<w>world", addSpecialTokens: false));
    }

    [Fact]
    public void Metaspace_first_scheme_prepends_only_at_the_start_of_the_input()
    {
        var doc = TinyTokenizerJson.SentencePieceStyle();
        doc["normalizer"] = null;
        doc["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = false };
        doc["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = false };
        using var folder = new TinyTokenizerJson.Folder(doc);
        var t = TokenizerLoader.Load(folder.Path);
        int hello = t.TokenToId("▁hello")!.Value;

        Assert.Equal([hello], t.Encode("hello", addSpecialTokens: false));
        // After a special token the piece does not start the input: no '▁' is prepended.
        var afterSpecial = t.Encode("<s>hello", addSpecialTokens: false, parseSpecialTokens: true);
        Assert.Equal(1, afterSpecial[0]);
        Assert.DoesNotContain(hello, afterSpecial);
        Assert.Equal("hello world", t.Decode(t.Encode("hello world")));
    }

    [Fact]
    public void End_of_word_suffix_models_encode_and_decode_like_hugging_face()
    {
        // A CLIP-style BPE: characters of a word's end carry "</w>", merges join them, BPEDecoder turns "</w>" into spaces.
        var doc = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = "<unk>",
                ["end_of_word_suffix"] = "</w>",
                ["vocab"] = new JsonObject
                {
                    ["<unk>"] = 0, ["l"] = 1, ["o"] = 2, ["w"] = 3, ["o</w>"] = 4, ["w</w>"] = 5, ["lo"] = 6, ["low</w>"] = 7, ["lo</w>"] = 8,
                },
                ["merges"] = new JsonArray("l o", "lo w</w>", "l o</w>"),
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "WhitespaceSplit" },
            ["decoder"] = new JsonObject { ["type"] = "BPEDecoder", ["suffix"] = "</w>" },
        };
        using var folder = new TinyTokenizerJson.Folder(doc);
        var t = TokenizerLoader.Load(folder.Path);
        Assert.Equal([7, 8, 6, 3, 5], t.Encode("low lo loww", addSpecialTokens: false));
        Assert.Equal("low lo loww", t.Decode([7, 8, 6, 3, 5]));
    }

    [Fact]
    public void Continuing_subword_prefix_models_merge_without_repeating_the_prefix()
    {
        var doc = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = "[UNK]",
                ["continuing_subword_prefix"] = "##",
                ["vocab"] = new JsonObject { ["[UNK]"] = 0, ["a"] = 1, ["##b"] = 2, ["ab"] = 3, ["##a"] = 4, ["##ab"] = 5 },
                // "##a ##b" joins to "##ab": the right part loses the prefix.
                ["merges"] = new JsonArray("a ##b", "##a ##b"),
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "WhitespaceSplit" },
        };
        using var folder = new TinyTokenizerJson.Folder(doc);
        var t = TokenizerLoader.Load(folder.Path);
        Assert.Equal([3, 5], t.Encode("abab", addSpecialTokens: false));
        Assert.Equal([3, 2, 0], t.Encode("abbc", addSpecialTokens: false));
    }

    [Fact]
    public void Normalized_added_tokens_match_after_normalization()
    {
        var doc = TinyTokenizerJson.SentencePieceStyle();
        doc["model"]!["vocab"]!.AsObject()["▁hi▁"] = 402;
        doc["added_tokens"]!.AsArray().Add(TinyTokenizerJson.Added(402, "▁hi▁", special: false, normalized: true));
        using var folder = new TinyTokenizerJson.Folder(doc);
        var t = TokenizerLoader.Load(folder.Path);
        // "hi " becomes "▁hi▁" only after the Prepend and Replace normalizers.
        Assert.Equal(402, t.Encode("hi hello", addSpecialTokens: false)[0]);
    }
}
