using System.Text;
using System.Text.Json;

namespace Aligner.Checkpoints;

/// <summary>The generation defaults of a checkpoint (<c>generation_config.json</c>); every field is optional.</summary>
public sealed record GenerationConfig
{
    /// <summary>The file name in a checkpoint folder.</summary>
    public const string FileName = "generation_config.json";

    /// <summary><c>eos_token_id</c>: one id or several; generation stops at any of them.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>bos_token_id</c>.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>pad_token_id</c>.</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>do_sample</c>.</summary>
    public bool? DoSample { get; init; }

    /// <summary><c>temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>top_k</c>.</summary>
    public int? TopK { get; init; }

    /// <summary><c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary><c>repetition_penalty</c>.</summary>
    public double? RepetitionPenalty { get; init; }

    /// <summary><c>max_new_tokens</c>.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Reads a <c>generation_config.json</c> (given its path, or the checkpoint folder that holds it).</summary>
    /// <exception cref="ModelFormatException">The file is missing, not JSON, or a field has the wrong type (named).</exception>
    public static GenerationConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        if (!File.Exists(path)) throw new ModelFormatException(path, null, "file not found.");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the text of a <c>generation_config.json</c>; <paramref name="path"/> names it in errors.</summary>
    public static GenerationConfig Parse(string json, string path)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ModelFormatException(path, null, $"is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, null, "must contain a JSON object.");
            var f = new JsonFields(doc.RootElement, path);
            return new GenerationConfig
            {
                EosTokenIds = f.IntOrIntList("eos_token_id"),
                BosTokenId = f.OptionalInt("bos_token_id"),
                PadTokenId = f.OptionalInt("pad_token_id"),
                DoSample = f.OptionalBool("do_sample"),
                Temperature = f.OptionalDouble("temperature"),
                TopK = f.OptionalInt("top_k"),
                TopP = f.OptionalDouble("top_p"),
                RepetitionPenalty = f.OptionalDouble("repetition_penalty"),
                MaxNewTokens = f.OptionalInt("max_new_tokens"),
            };
        }
    }

    /// <summary>Writes this configuration as a <c>generation_config.json</c> (atomically).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            if (BosTokenId is { } bos) w.WriteNumber("bos_token_id", bos);
            if (EosTokenIds.Count == 1) w.WriteNumber("eos_token_id", EosTokenIds[0]);
            else if (EosTokenIds.Count > 1)
            {
                w.WriteStartArray("eos_token_id");
                foreach (int e in EosTokenIds) w.WriteNumberValue(e);
                w.WriteEndArray();
            }
            if (PadTokenId is { } pad) w.WriteNumber("pad_token_id", pad);
            if (DoSample is { } ds) w.WriteBoolean("do_sample", ds);
            if (Temperature is { } t) w.WriteNumber("temperature", t);
            if (TopK is { } k) w.WriteNumber("top_k", k);
            if (TopP is { } p) w.WriteNumber("top_p", p);
            if (RepetitionPenalty is { } rp) w.WriteNumber("repetition_penalty", rp);
            if (MaxNewTokens is { } m) w.WriteNumber("max_new_tokens", m);
            w.WriteEndObject();
        }
        AtomicFile.WriteAllBytes(path, stream.ToArray());
    }
}
