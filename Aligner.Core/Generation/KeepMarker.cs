using System.Text.Json;
using Aligner.Checkpoints;
using Aligner.Tokenization;

namespace Aligner.Generation;

/// <summary>
/// The keep decision of a corrector that declares <c>aligner_keep_token</c> in its <c>config.json</c>: when the
/// model's first generated token is that marker, the pipeline returns the original answer byte for byte instead of a
/// rewrite of it. The marker's first-step probability is reported with every result and can be thresholded
/// (<see cref="GenerationOptions.KeepThreshold"/>, <c>AlignerOptions.KeepThreshold</c>).
/// </summary>
public static class KeepMarker
{
    /// <summary>
    /// The marker's token id for a checkpoint's <paramref name="keepToken"/>, or <see langword="null"/> when it
    /// declares none.
    /// </summary>
    /// <exception cref="ModelFormatException">The marker is not a single token of the tokenizer, or is outside the model's logits.</exception>
    public static int? Resolve(string? keepToken, ITextTokenizer tokenizer, int vocabularySize, string configPath)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (keepToken is null) return null;
        if (keepToken.Length == 0) throw new ModelFormatException(configPath, DecoderConfig.KeepTokenField, "must not be empty.");
        int id = tokenizer.TokenToId(keepToken)
            ?? throw new ModelFormatException(configPath, DecoderConfig.KeepTokenField, $"'{keepToken}' is not a token of the checkpoint's tokenizer (add it to tokenizer.json's added_tokens).");
        if (id < 0 || id >= vocabularySize)
            throw new ModelFormatException(configPath, DecoderConfig.KeepTokenField, $"'{keepToken}' has id {id}, outside the model's {vocabularySize} logits.");
        return id;
    }

    /// <summary>Reads <c>aligner_keep_token</c> from a folder's <c>config.json</c> (none when the file or field is absent).</summary>
    /// <exception cref="ModelFormatException">The file is not valid JSON or the field is not a string.</exception>
    public static string? ReadDeclaredToken(string folder)
    {
        var path = Path.Combine(folder, CheckpointFolder.ConfigFileName);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty(DecoderConfig.KeepTokenField, out var value)) return null;
            if (value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind != JsonValueKind.String) throw new ModelFormatException(path, DecoderConfig.KeepTokenField, "must be a string (the marker token).");
            return value.GetString();
        }
        catch (JsonException e) { throw new ModelFormatException(path, null, $"is not valid JSON: {e.Message}", e); }
    }
}
