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
    public void Tokenizer_json_is_preferred_over_tokenizer_model()
    {
        using var folder = new TinyTokenizerJson.Folder(TinyTokenizerJson.SentencePieceStyle());
        File.Copy(Path.Combine(SentencePieceModelTests.Folder("spm-bpe-llama"), "tokenizer.model"), Path.Combine(folder.Path, "tokenizer.model"));
        var tokenizer = TokenizerLoader.Load(folder.Path);
        Assert.NotNull(tokenizer.TokenToId("▁hello"));
    }
}
