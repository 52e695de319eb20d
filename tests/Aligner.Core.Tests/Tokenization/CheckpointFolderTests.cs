using System.Text.Json.Nodes;
using Aligner.Tokenization;

namespace Aligner.Core.Tests.Tokenization;

public sealed class CheckpointFolderTests
{
    [Fact]
    public void Llama3_template_processing_adds_begin_of_text()
    {
        // Meta's Llama 3 tokenizer.json adds <|begin_of_text|> through a TemplateProcessing post-processor.
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(ReferenceTokenizers.Folder("llama3"), "tokenizer.json")))!.AsObject();
        doc["post_processor"] = JsonNode.Parse("""
            {"type":"Sequence","processors":[
              {"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},
              {"type":"TemplateProcessing",
               "single":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],
               "pair":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"<|begin_of_text|>","type_id":1}},{"Sequence":{"id":"B","type_id":1}}],
               "special_tokens":{"<|begin_of_text|>":{"id":"<|begin_of_text|>","ids":[128000],"tokens":["<|begin_of_text|>"]}}}]}
            """);
        using var folder = new TinyTokenizerJson.Folder(doc, new JsonObject { ["bos_token"] = "<|begin_of_text|>", ["eos_token"] = "<|end_of_text|>" });
        var tokenizer = TokenizerLoader.Load(folder.Path);
        var reference = ReferenceTokenizers.Load("llama3");

        Assert.True(tokenizer.AddsBosToken);
        Assert.False(tokenizer.AddsEosToken);
        Assert.Equal(128000, tokenizer.BosTokenId);
        Assert.Equal(128001, tokenizer.EosTokenId);
        Assert.Equal([128000, .. reference.Encode("Hello world", addSpecialTokens: false)], tokenizer.Encode("Hello world"));
        Assert.Equal("Hello world", tokenizer.Decode(tokenizer.Encode("Hello world")));
    }

    [Theory]
    [MemberData(nameof(ReferenceIdsTests.Names), MemberType = typeof(ReferenceIdsTests))]
    public void Saved_real_tokenizer_loads_back_identically(string name)
    {
        var tokenizer = ReferenceTokenizers.Load(name);
        var folder = Path.Combine(Path.GetTempPath(), "aligner-save-" + Guid.NewGuid().ToString("N"));
        try
        {
            tokenizer.Save(folder);
            var loaded = TokenizerLoader.Load(folder);
            Assert.Equal(tokenizer.VocabularySize, loaded.VocabularySize);
            Assert.Equal(tokenizer.BosTokenId, loaded.BosTokenId);
            Assert.Equal(tokenizer.EosTokenId, loaded.EosTokenId);
            Assert.Equal(tokenizer.PadTokenId, loaded.PadTokenId);
            Assert.Equal(tokenizer.AddsBosToken, loaded.AddsBosToken);
            foreach (var text in ReferenceTokenizers.Reference.Corpus.Where((_, i) => i % 10 == 0))
                Assert.Equal(tokenizer.Encode(text, parseSpecialTokens: true), loaded.Encode(text, parseSpecialTokens: true));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Tokenizer_json_path_loads_with_the_configuration_next_to_it()
    {
        var folder = ReferenceTokenizers.Folder("llama2");
        var byPath = TokenizerLoader.Load(Path.Combine(folder, "tokenizer.json"));
        Assert.Equal(1, byPath.BosTokenId);
        Assert.True(byPath.AddsBosToken);
    }

    [Fact]
    public void A_differently_named_json_file_is_saved_as_tokenizer_json()
    {
        using var source = new TinyTokenizerJson.Folder(("my-tokenizer.json", TinyTokenizerJson.SentencePieceStyle().ToJsonString()));
        var tokenizer = TokenizerLoader.Load(Path.Combine(source.Path, "my-tokenizer.json"));
        using var target = new TinyTokenizerJson.Folder();
        tokenizer.Save(target.Path);
        Assert.Equal(tokenizer.Encode("hello world"), TokenizerLoader.Load(target.Path).Encode("hello world"));
    }

    [Fact]
    public void Gpt2_style_vocab_and_merges_load_like_the_tokenizer_json()
    {
        // Write GPT-2 as the older vocab.json + merges.txt pair, as many GPT-2-family checkpoints ship it.
        using var saved = new TinyTokenizerJson.Folder();
        var gpt2 = TokenizerLoader.CreateGpt2();
        gpt2.Save(saved.Path);
        var model = JsonNode.Parse(File.ReadAllText(Path.Combine(saved.Path, "tokenizer.json")))!["model"]!;
        using var folder = new TinyTokenizerJson.Folder(
            ("vocab.json", model["vocab"]!.ToJsonString()),
            ("merges.txt", "#version: 0.2\n" + string.Join("\n", model["merges"]!.AsArray().Select(m => $"{m![0]} {m[1]}")) + "\n"),
            ("tokenizer_config.json", """
                {"add_prefix_space": false, "eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                 "added_tokens_decoder": {"50256": {"content": "<|endoftext|>", "lstrip": false, "normalized": true, "rstrip": false, "single_word": false, "special": true}}}
                """));
        var loaded = TokenizerLoader.Load(folder.Path);

        Assert.Equal(50257, loaded.VocabularySize);
        Assert.Equal(50256, loaded.EosTokenId);
        Assert.True(loaded.IsSpecialToken(50256));
        foreach (var text in ReferenceTokenizers.Reference.Corpus)
        {
            Assert.Equal(gpt2.Encode(text), loaded.Encode(text));
            Assert.Equal(gpt2.Encode(text, parseSpecialTokens: true), loaded.Encode(text, parseSpecialTokens: true));
        }

        // Saving writes a self-describing tokenizer.json.
        using var resaved = new TinyTokenizerJson.Folder();
        loaded.Save(resaved.Path);
        Assert.True(File.Exists(Path.Combine(resaved.Path, "tokenizer.json")));
        Assert.Equal(gpt2.Encode("Hello <|endoftext|>", parseSpecialTokens: true), TokenizerLoader.Load(resaved.Path).Encode("Hello <|endoftext|>", parseSpecialTokens: true));
    }

    [Fact]
    public void Merges_txt_with_an_unknown_token_names_the_line()
    {
        using var folder = new TinyTokenizerJson.Folder(("vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}"), ("merges.txt", "#version: 0.2\na b\nb c\n"));
        var e = Assert.Throws<ModelFormatException>(() => TokenizerLoader.Load(folder.Path));
        Assert.EndsWith("merges.txt", e.FilePath);
        Assert.Equal("line 3", e.Field);
    }

    [Fact]
    public void Tokenizer_json_is_preferred_over_tokenizer_model()
    {
        using var folder = new TinyTokenizerJson.Folder(TinyTokenizerJson.SentencePieceStyle());
        File.Copy(Path.Combine(SentencePieceModelTests.Folder("spm-bpe-llama"), "tokenizer.model"), Path.Combine(folder.Path, "tokenizer.model"));
        var tokenizer = TokenizerLoader.Load(folder.Path);
        Assert.NotNull(tokenizer.TokenToId("▁hello"));
    }
}
