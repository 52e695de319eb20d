using Aligner.Tokenization;

namespace Aligner.Core.Tests.Tokenization;

public sealed class IncrementalDecoderTests
{
    private static readonly string[] Texts =
    [
        "Hello world, this is streaming.",
        "Emoji 👍🏽 and family 👨‍👩‍👧‍👦 and flag 🇫🇷!",
        "中文字符和日本語のテキスト",
        "  leading spaces\nand\r\nnewlines\t tabs  ",
        "🏴󠁧󠁢󠁳󠁣󠁴󠁿𝐀𝐁𝐂 rare planes",
    ];

    [Theory]
    [MemberData(nameof(ReferenceIdsTests.Names), MemberType = typeof(ReferenceIdsTests))]
    public void Streamed_deltas_concatenate_to_the_full_decode_and_never_split_a_character(string name) =>
        AssertStreaming(ReferenceTokenizers.Load(name));

    [Fact]
    public void Gpt2_streams_emoji_byte_by_byte_without_broken_characters() => AssertStreaming(TokenizerLoader.CreateGpt2());

    [Fact]
    public void Byte_fallback_tokens_of_an_emoji_are_held_until_the_character_is_complete()
    {
        var tokenizer = ReferenceTokenizers.Load("llama2");
        // An emoji outside the Mistral vocabulary is encoded as its four UTF-8 byte tokens (<0xF0><0x9F>...).
        var emoji = new[] { "🦩", "🫠", "🪿", "🧿", "🦭" }.First(e => tokenizer.TokenToId(e) is null);
        var ids = tokenizer.Encode(emoji, addSpecialTokens: false);
        var byteIds = ids.Where(id => tokenizer.IdToToken(id)!.StartsWith("<0x", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, byteIds.Count);
        var decoder = tokenizer.CreateIncrementalDecoder();
        var deltas = ids.Select(decoder.Append).ToList();
        Assert.All(deltas.Take(deltas.Count - 1), d => Assert.DoesNotContain('\uFFFD', d));
        Assert.Equal(emoji, string.Concat(deltas) + decoder.Flush());
    }

    [Fact]
    public void Flush_returns_an_incomplete_character_as_replacement()
    {
        var gpt2 = TokenizerLoader.CreateGpt2();
        var ids = gpt2.Encode("😀");
        Assert.True(ids.Count > 1, "GPT-2 splits this emoji into several byte tokens");
        var decoder = gpt2.CreateIncrementalDecoder();
        Assert.Equal("", decoder.Append(ids[0]));
        Assert.Equal("\uFFFD", decoder.Flush());
    }

    [Fact]
    public void Skipped_special_tokens_produce_no_text_and_keep_spacing()
    {
        var tokenizer = ReferenceTokenizers.Load("llama2");
        var ids = new List<int>(tokenizer.Encode("Hello", addSpecialTokens: true));
        ids.Add(tokenizer.EosTokenId!.Value);
        ids.AddRange(tokenizer.Encode(" world", addSpecialTokens: false));
        var decoder = tokenizer.CreateIncrementalDecoder(skipSpecialTokens: true);
        var text = string.Concat(ids.Select(decoder.Append)) + decoder.Flush();
        Assert.Equal(tokenizer.Decode(ids, skipSpecialTokens: true), text);
    }

    private static void AssertStreaming(ITextTokenizer tokenizer)
    {
        foreach (var text in Texts)
        {
            var ids = tokenizer.Encode(text, addSpecialTokens: true);
            var decoder = tokenizer.CreateIncrementalDecoder();
            var deltas = new List<string>();
            foreach (var id in ids)
            {
                var delta = decoder.Append(id);
                Assert.False(delta.Length > 0 && char.IsHighSurrogate(delta[^1]), $"delta ends inside a surrogate pair: {text}");
                Assert.DoesNotContain('\uFFFD', delta);
                deltas.Add(delta);
            }
            deltas.Add(decoder.Flush());
            Assert.Equal(tokenizer.Decode(ids), string.Concat(deltas));
        }
    }
}
