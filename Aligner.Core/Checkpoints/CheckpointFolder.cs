using Aligner.Tokenization;

namespace Aligner.Checkpoints;

/// <summary>
/// A Hugging Face checkpoint folder: <c>config.json</c>, optional <c>generation_config.json</c>, safetensors
/// weights and tokenizer files. Opening validates the configurations; weights are opened on demand.
/// </summary>
public sealed class CheckpointFolder
{
    /// <summary>The model configuration's file name.</summary>
    public const string ConfigFileName = "config.json";

    private CheckpointFolder(string path, DecoderConfig config, GenerationConfig? generation)
    {
        Path = path;
        Config = config;
        Generation = generation;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>The folder's name: a default model id.</summary>
    public string Name => System.IO.Path.GetFileName(Path.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar));

    /// <summary>The architecture (<c>config.json</c>).</summary>
    public DecoderConfig Config { get; }

    /// <summary>The generation defaults (<c>generation_config.json</c>), or <see langword="null"/> when absent.</summary>
    public GenerationConfig? Generation { get; }

    /// <summary>Token ids that end generation: <c>generation_config.json</c>'s, else <c>config.json</c>'s (possibly empty).</summary>
    public IReadOnlyList<int> EosTokenIds => Generation is { EosTokenIds.Count: > 0 } g ? g.EosTokenIds : Config.EosTokenIds;

    /// <summary>Whether the folder has tokenizer files (<c>tokenizer.json</c>, <c>tokenizer.model</c>, or <c>vocab.json</c> + <c>merges.txt</c>).</summary>
    public bool HasTokenizer =>
        File.Exists(System.IO.Path.Combine(Path, "tokenizer.json")) ||
        File.Exists(System.IO.Path.Combine(Path, "tokenizer.model")) ||
        (File.Exists(System.IO.Path.Combine(Path, "vocab.json")) && File.Exists(System.IO.Path.Combine(Path, "merges.txt")));

    /// <summary>Opens a checkpoint folder and reads its configurations.</summary>
    /// <exception cref="ModelFormatException">The folder or <c>config.json</c> is missing or invalid (file and field named).</exception>
    /// <exception cref="NotSupportedModelException">The architecture is not supported.</exception>
    public static CheckpointFolder Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new ModelFormatException(full, null, "checkpoint folder not found.");
        var config = DecoderConfig.Load(System.IO.Path.Combine(full, ConfigFileName));
        var generationPath = System.IO.Path.Combine(full, GenerationConfig.FileName);
        var generation = File.Exists(generationPath) ? GenerationConfig.Load(generationPath) : null;
        if (generation is not null)
            foreach (int eos in generation.EosTokenIds)
                if (eos < 0 || eos >= config.VocabSize)
                    throw new ModelFormatException(generationPath, "eos_token_id", $"({eos}) is outside the vocabulary (vocab_size {config.VocabSize}).");
        return new CheckpointFolder(full, config, generation);
    }

    /// <summary>Opens the weights (<c>model.safetensors</c> or a sharded index). The caller disposes them.</summary>
    public CheckpointWeights OpenWeights() => CheckpointWeights.Open(Path);

    /// <summary>Loads the folder's tokenizer (see <see cref="TokenizerLoader.Load"/>).</summary>
    /// <exception cref="ModelFormatException">No tokenizer files, or a malformed one (file and field named).</exception>
    public HuggingFaceTokenizer LoadTokenizer()
    {
        RequireTokenizer();
        return TokenizerLoader.Load(Path);
    }

    /// <summary>Throws when the folder has no tokenizer files.</summary>
    /// <exception cref="ModelFormatException">Names <c>tokenizer.json</c> in the folder.</exception>
    public void RequireTokenizer()
    {
        if (!HasTokenizer)
            throw new ModelFormatException(System.IO.Path.Combine(Path, "tokenizer.json"), null,
                "no tokenizer in the checkpoint folder (expected tokenizer.json, tokenizer.model, or vocab.json and merges.txt).");
    }
}
