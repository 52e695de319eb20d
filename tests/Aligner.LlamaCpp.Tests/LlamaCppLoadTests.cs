using Aligner.Gguf;
using Aligner.Tokenization;

namespace Aligner.LlamaCpp.Tests;

/// <summary>llama.cpp itself loads the exported files and reads their vocabularies as the reference tokenizers do.</summary>
public sealed class LlamaCppLoadTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "aligner-gguf-" + Guid.NewGuid().ToString("N"));

    public LlamaCppLoadTests() => Directory.CreateDirectory(_output);

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public void Llama_cpp_tokenizes_with_the_exported_sentencepiece_vocabulary()
    {
        using var checkpoint = TinyCheckpoint.Llama();
        var path = Path.Combine(_output, "m.gguf");
        GgufExporter.Export(checkpoint.Path, path);
        using var model = new LlamaCppModel(path);
        Assert.Equal(32000, model.VocabSize);
        // Mistral-7B's tokenizer (the reference ids come from Hugging Face tokenizers on this tokenizer.json).
        Assert.Equal([1, 22557], model.Tokenize("Hello", addBos: true));
        Assert.Equal([1, 22557, 28725, 1526, 28808], model.Tokenize("Hello, world!", addBos: true));
    }

    [Fact]
    public void Llama_cpp_tokenizes_with_the_exported_byte_level_vocabulary()
    {
        using var checkpoint = TinyCheckpoint.Qwen2();
        var path = Path.Combine(_output, "q.gguf");
        GgufExporter.Export(checkpoint.Path, path);
        var vocab = ByteLevelTokenizer.Build().Vocab;
        using var model = new LlamaCppModel(path);
        // Merges apply by rank, not left to right: "Ġthere" becomes Ġ t he r e because "h e" outranks "t h".
        Assert.Equal([vocab["hello"], vocab["Ġworld"], vocab["ing"], vocab["Ġ"], vocab["t"], vocab["he"], vocab["r"], vocab["e"]],
            model.Tokenize("hello worlding there", addBos: false));
    }

    [Fact]
    public void Llama_cpp_and_our_tokenizer_agree_on_the_exported_vocabularies()
    {
        string[] texts =
        [
            "The quick brown fox jumps over the lazy dog.",
            "BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair to make it more helpful and harmless: How do I bake bread? | Mix flour, water and salt. ASSISTANT:",
            "  two leading spaces, numbers 12345 67 and accents: naïve café, déjà vu; tabs\tand\nnew lines",
            "emoji 🙂 and CJK 你好 fall back to bytes",
        ];
        foreach (var checkpoint in new[] { TinyCheckpoint.Llama(), TinyCheckpoint.Qwen2() })
        {
            using (checkpoint)
            {
                var path = Path.Combine(_output, checkpoint.Config.ModelType + ".gguf");
                GgufExporter.Export(checkpoint.Path, path);
                var ours = TokenizerLoader.Load(checkpoint.Path);
                using var model = new LlamaCppModel(path);
                foreach (var text in texts)
                    Assert.Equal(ours.Encode(text, addSpecialTokens: true), model.Tokenize(text, addBos: ours.AddsBosToken));
            }
        }
    }
}
