using System.Text;
using Aligner.Tokenization;
using Xunit.Abstractions;

namespace Aligner.Core.Tests.Tokenization;

/// <summary>Exact equality with the reference ids of @lenml/tokenizers on the whole corpus, for four real tokenizers.</summary>
public sealed class ReferenceIdsTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => [.. ReferenceTokenizers.Names];

    [Theory]
    [MemberData(nameof(Names))]
    public void Encodes_every_corpus_string_like_the_reference(string name)
    {
        var tokenizer = ReferenceTokenizers.Load(name);
        var reference = ReferenceTokenizers.Reference;
        var cases = reference.Tokenizers[name].Cases;
        Assert.Equal(reference.Corpus.Length, cases.Length);

        var failures = new List<string>();
        int matched = 0;
        for (int i = 0; i < cases.Length; i++)
        {
            var text = reference.Corpus[i];
            var c = cases[i];
            int before = failures.Count;
            Check(failures, i, text, "plain", c.Plain, tokenizer.Encode(text, addSpecialTokens: false, parseSpecialTokens: false));
            Check(failures, i, text, "parsed", c.Parsed, tokenizer.Encode(text, addSpecialTokens: false, parseSpecialTokens: true));
            Check(failures, i, text, "parsed+special", c.ParsedWithSpecial, tokenizer.Encode(text, addSpecialTokens: true, parseSpecialTokens: true));
            if (failures.Count == before) matched++;
        }
        output.WriteLine($"{name}: {matched}/{cases.Length} strings match the reference ids (plain, parsed, parsed with special tokens added)");
        Assert.True(failures.Count == 0, $"{name}: {matched}/{cases.Length} match.\n" + string.Join("\n", failures.Take(20)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decodes_every_corpus_string_like_the_reference(string name)
    {
        var tokenizer = ReferenceTokenizers.Load(name);
        var reference = ReferenceTokenizers.Reference;
        var cases = reference.Tokenizers[name].Cases;
        var failures = new List<string>();
        int matched = 0;
        for (int i = 0; i < cases.Length; i++)
        {
            var c = cases[i];
            var decoded = tokenizer.Decode(c.Parsed, skipSpecialTokens: false);
            var skipping = tokenizer.Decode(c.Parsed, skipSpecialTokens: true);
            if (decoded == c.Decoded && skipping == c.DecodedSkippingSpecial) matched++;
            else failures.Add($"#{i} {Show(reference.Corpus[i])}: expected {Show(c.Decoded)} / {Show(c.DecodedSkippingSpecial)}, got {Show(decoded)} / {Show(skipping)}");
        }
        output.WriteLine($"{name}: {matched}/{cases.Length} decodes match the reference");
        Assert.True(failures.Count == 0, $"{name}: {matched}/{cases.Length} match.\n" + string.Join("\n", failures.Take(20)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Plain_text_decodes_back_to_itself(string name)
    {
        var tokenizer = ReferenceTokenizers.Load(name);
        var failures = new List<string>();
        foreach (var text in ReferenceTokenizers.Reference.Corpus)
        {
            // Qwen normalizes to NFC; SentencePiece-style vocabularies spell spaces as '▁', so a literal '▁' comes back as a space.
            var expected = name switch
            {
                "qwen3" => text.Normalize(NormalizationForm.FormC),
                "llama2" or "gemma3" => text.Replace('\u2581', ' '),
                _ => text,
            };
            var decoded = tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: true), skipSpecialTokens: true);
            if (decoded != expected) failures.Add($"{Show(text)} -> {Show(decoded)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    private static void Check(List<string> failures, int index, string text, string mode, int[] expected, IReadOnlyList<int> actual)
    {
        if (!expected.AsSpan().SequenceEqual([.. actual]))
            failures.Add($"#{index} {mode} {Show(text)}: expected [{string.Join(",", expected)}] got [{string.Join(",", actual)}]");
    }

    internal static string Show(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var ch in s)
            sb.Append(ch < 0x20 || ch is >= '\u007f' and <= '\u00a0' || ch is >= '\u2000' and <= '\u206f' || ch == '\ufeff' ? $"\\u{(int)ch:x4}" : ch.ToString());
        return sb.Append('"').ToString();
    }
}
