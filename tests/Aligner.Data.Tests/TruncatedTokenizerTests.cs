using System.Text.Json;
using Aligner.Tokenization;

namespace Aligner.Data.Tests;

/// <summary>The aligner-v2 tokenizer: GPT-2's first 8192 merges without digit merges, plus &lt;|endoftext|&gt; and &lt;|keep|&gt;.</summary>
public sealed class TruncatedTokenizerTests
{
    private static readonly Lazy<HuggingFaceTokenizer> V2 = new(() => TokenizerLoader.Load(AlignerV2Paths.Tokenizer));

    [Theory]
    [InlineData("The capital of Vietnam is Hanoi.")]
    [InlineData("What is 805 × 27? It's 21735.")]
    [InlineData("  leading and trailing spaces  \n\ttabs\r\n")]
    [InlineData("Ünïcödé: naïve café, Straße, 東京は日本の首都です。 🙂👍🏽")]
    [InlineData("Invoice 000123 comes to $4,567.89 (3.5% off) on 2026-11-29 at 09:05.")]
    [InlineData("mixed:\u0001\u0007 control \uFFFD replacement, Ελληνικά, русский, עברית, العربية")]
    [InlineData("")]
    public void DecodeOfEncodeIsTheInput(string text)
    {
        var ids = V2.Value.Encode(text, addSpecialTokens: false);
        Assert.Equal(text, V2.Value.Decode(ids, skipSpecialTokens: false));
    }

    [Theory]
    [InlineData("1234567890")]
    [InlineData(" 2026")]
    [InlineData("room 404, floor 12")]
    [InlineData("x=31415926535")]
    public void DigitsAreOneTokenEach(string text)
    {
        var tok = V2.Value;
        foreach (var id in tok.Encode(text, addSpecialTokens: false))
        {
            var piece = tok.Decode([id], skipSpecialTokens: false);
            if (piece.Any(char.IsAsciiDigit)) Assert.Equal(1, piece.Trim().Length);
        }
        var digits = text.Count(char.IsAsciiDigit);
        var digitTokens = tok.Encode(text, addSpecialTokens: false).Count(id => tok.Decode([id], skipSpecialTokens: false).Any(char.IsAsciiDigit));
        Assert.Equal(digits, digitTokens);
    }

    [Fact]
    public void VocabularyIsBytesThenKeptMergesThenTwoSpecialTokens()
    {
        var tok = V2.Value;
        Assert.InRange(tok.VocabularySize, 8000, 8450);
        Assert.Equal(tok.VocabularySize - 2, tok.TokenToId("<|endoftext|>"));
        Assert.Equal(tok.VocabularySize - 1, tok.TokenToId("<|keep|>"));
        Assert.Equal(tok.VocabularySize - 2, tok.EosTokenId);
        Assert.Equal(tok.VocabularySize - 2, tok.BosTokenId);
        Assert.Equal(tok.VocabularySize - 2, tok.PadTokenId);
        // the 256 byte tokens keep GPT-2's ids 0..255
        var gpt2 = TokenizerLoader.CreateGpt2();
        for (var id = 0; id < 256; id++) Assert.Equal(gpt2.IdToToken(id), tok.IdToToken(id));
        // no merged token holds a digit
        for (var id = 256; id < tok.VocabularySize - 2; id++) Assert.DoesNotContain(tok.IdToToken(id)!, char.IsAsciiDigit);
    }

    [Theory]
    [InlineData("<|keep|>")]
    [InlineData("<|endoftext|>")]
    public void SpecialTokensEncodeAsOneSpecialId(string special)
    {
        var tok = V2.Value;
        var ids = tok.Encode(special, addSpecialTokens: false, parseSpecialTokens: true);
        var id = Assert.Single(ids);
        Assert.True(tok.IsSpecialToken(id));
        Assert.Equal(tok.TokenToId(special), id);
        var inText = tok.Encode("Answer: " + special + " done", addSpecialTokens: false, parseSpecialTokens: true);
        Assert.Contains(id, inText);
        Assert.Equal("Answer:  done", tok.Decode(inText, skipSpecialTokens: true));
    }

    [Fact]
    public void TokensPerCharacterOnTrainIsWithinAThirdOfFullGpt2()
    {
        var tok = V2.Value;
        var gpt2 = TokenizerLoader.CreateGpt2();
        long mine = 0, theirs = 0;
        foreach (var line in File.ReadLines(Path.Combine(AlignerV2Paths.Data, "train.jsonl")).Take(4000))
        {
            using var doc = JsonDocument.Parse(line);
            foreach (var field in new[] { "question", "answer", "correction" })
            {
                var s = doc.RootElement.GetProperty(field).GetString()!;
                mine += tok.CountTokens(s);
                theirs += gpt2.CountTokens(s);
            }
        }
        var ratio = (double)mine / theirs;
        Assert.InRange(ratio, 1.0, 1.35);
    }
}
