using System.Text.Json.Nodes;
using Aligner.Tokenization;

namespace Aligner.Core.Tests.Tokenization;

public sealed class TokenizerLoaderErrorTests
{
    [Fact]
    public void Missing_folder_is_a_model_format_error()
    {
        var missing = Path.Combine(Path.GetTempPath(), "aligner-no-such-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<ModelFormatException>(() => TokenizerLoader.Load(missing));
        Assert.Equal(missing, e.FilePath);
    }

    [Fact]
    public void Folder_without_tokenizer_files_names_the_missing_file()
    {
        using var folder = new TinyTokenizerJson.Folder(("config.json", "{}"));
        var e = Assert.Throws<ModelFormatException>(() => TokenizerLoader.Load(folder.Path));
        Assert.IsNotType<NotSupportedModelException>(e);
        Assert.EndsWith("tokenizer.json", e.FilePath);
        Assert.Contains("tokenizer.model", e.Message);
    }

    [Fact]
    public void Malformed_json_is_a_model_format_error()
    {
        using var folder = new TinyTokenizerJson.Folder(("tokenizer.json", "{ \"model\": { \"type\": \"BPE\", "));
        var e = Assert.Throws<ModelFormatException>(() => TokenizerLoader.Load(folder.Path));
        Assert.EndsWith("tokenizer.json", e.FilePath);
    }

    [Theory]
    [InlineData("normalizer", "{\"type\":\"Precompiled\",\"precompiled_charsmap\":\"\"}", "normalizer.type", "Precompiled")]
    [InlineData("pre_tokenizer", "{\"type\":\"UnicodeScripts\"}", "pre_tokenizer.type", "UnicodeScripts")]
    [InlineData("decoder", "{\"type\":\"WordPiece\",\"prefix\":\"##\"}", "decoder.type", "WordPiece")]
    [InlineData("post_processor", "{\"type\":\"Whisper\"}", "post_processor.type", "Whisper")]
    public void Unsupported_component_is_named(string component, string json, string field, string type)
    {
        var doc = TinyTokenizerJson.SentencePieceStyle();
        doc[component] = JsonNode.Parse(json);
        using var folder = new TinyTokenizerJson.Folder(doc);
        var e = Assert.Throws<NotSupportedModelException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Equal(field, e.Field);
        Assert.Contains(type, e.Message);
    }

    [Fact]
    public void Unsupported_nested_step_is_named_with_its_path()
    {
        var doc = TinyTokenizerJson.SentencePieceStyle();
        doc["normalizer"] = JsonNode.Parse("{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"BertNormalizer\"}]}");
        using var folder = new TinyTokenizerJson.Folder(doc);
        var e = Assert.Throws<NotSupportedModelException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Equal("normalizer.normalizers[1].type", e.Field);
    }

    [Theory]
    [InlineData("Unigram")]
    [InlineData("WordPiece")]
    [InlineData("WordLevel")]
    public void Non_bpe_model_is_not_supported(string type)
    {
        var doc = TinyTokenizerJson.SentencePieceStyle();
        doc["model"]!["type"] = type;
        using var folder = new TinyTokenizerJson.Folder(doc);
        var e = Assert.Throws<NotSupportedModelException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Equal("model.type", e.Field);
        Assert.Contains(type, e.Message);
    }

    [Fact]
    public void Merge_of_unknown_tokens_names_the_merge()
    {
        var doc = TinyTokenizerJson.SentencePieceStyle();
        doc["model"]!["merges"]!.AsArray().Add("x y");
        using var folder = new TinyTokenizerJson.Folder(doc);
        var e = Assert.Throws<ModelFormatException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Equal("model.merges[10]", e.Field);
    }

    [Fact]
    public void Config_naming_a_token_outside_the_vocabulary_names_the_field()
    {
        using var folder = new TinyTokenizerJson.Folder(TinyTokenizerJson.SentencePieceStyle(), new JsonObject { ["eos_token"] = "<|nope|>" });
        var e = Assert.Throws<ModelFormatException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Equal("eos_token", e.Field);
        Assert.EndsWith("tokenizer_config.json", e.FilePath);
    }

    [Fact]
    public void Config_with_a_wrongly_typed_flag_names_the_field()
    {
        using var folder = new TinyTokenizerJson.Folder(TinyTokenizerJson.SentencePieceStyle(), new JsonObject { ["add_bos_token"] = "yes" });
        var e = Assert.Throws<ModelFormatException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Equal("add_bos_token", e.Field);
    }

    [Fact]
    public void Unigram_sentencepiece_model_is_not_supported()
    {
        // A ModelProto with one piece and trainer_spec.model_type = UNIGRAM (1).
        byte[] piece = [0x0A, 0x01, (byte)'a', 0x15, 0, 0, 0, 0];
        byte[] trainer = [0x18, 0x01];
        byte[] model = [0x0A, (byte)piece.Length, .. piece, 0x12, (byte)trainer.Length, .. trainer];
        using var folder = new TinyTokenizerJson.Folder();
        File.WriteAllBytes(Path.Combine(folder.Path, "tokenizer.model"), model);
        var e = Assert.Throws<NotSupportedModelException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Equal("trainer_spec.model_type", e.Field);
        Assert.Contains("UNIGRAM", e.Message);
    }

    [Fact]
    public void Truncated_sentencepiece_model_is_a_model_format_error()
    {
        using var folder = new TinyTokenizerJson.Folder();
        File.WriteAllBytes(Path.Combine(folder.Path, "tokenizer.model"), [0x0A, 0x40, 0x01]);
        var e = Assert.Throws<ModelFormatException>(() => TokenizerLoader.Load(folder.Path));
        Assert.EndsWith("tokenizer.model", e.FilePath);
    }
}
