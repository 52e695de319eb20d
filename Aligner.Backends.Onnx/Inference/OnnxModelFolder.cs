using System.Text.Json;
using Aligner.Checkpoints;

namespace Aligner.Backends.Onnx;

/// <summary>
/// What a folder holding an ONNX decoder says about it besides the graph: the context length and the EOS ids, from
/// <c>genai_config.json</c> (ONNX Runtime GenAI's file) or else <c>config.json</c> and <c>generation_config.json</c>
/// (Hugging Face's files, as Optimum's exporter leaves them).
/// </summary>
internal sealed record OnnxModelFolder(int ContextLength, IReadOnlyList<int> EosTokenIds)
{
    public const string GenAiConfigFileName = "genai_config.json";

    public static OnnxModelFolder Read(string folder)
    {
        var genAi = Path.Combine(folder, GenAiConfigFileName);
        if (File.Exists(genAi))
        {
            using var doc = ParseJson(genAi);
            if (!doc.RootElement.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(genAi, "model", "is missing or not an object.");
            int context = RequireInt(model, "context_length", genAi, "model.context_length");
            var eos = model.TryGetProperty("eos_token_id", out var e) ? Ids(e, genAi, "model.eos_token_id") : [];
            return new OnnxModelFolder(context, eos);
        }
        var configPath = Path.Combine(folder, CheckpointFolder.ConfigFileName);
        if (!File.Exists(configPath))
            throw new ModelFormatException(genAi, null, $"the folder has neither {GenAiConfigFileName} nor config.json to give the context length.");
        using (var config = ParseJson(configPath))
        {
            int context = RequireInt(config.RootElement, "max_position_embeddings", configPath, "max_position_embeddings");
            var generationPath = Path.Combine(folder, GenerationConfig.FileName);
            IReadOnlyList<int> eos = File.Exists(generationPath) ? GenerationConfig.Load(generationPath).EosTokenIds : [];
            if (eos.Count == 0 && config.RootElement.TryGetProperty("eos_token_id", out var e))
                eos = Ids(e, configPath, "eos_token_id");
            return new OnnxModelFolder(context, eos);
        }
    }

    private static JsonDocument ParseJson(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new ModelFormatException(path, null, $"is not valid JSON: {e.Message}", e); }
    }

    private static int RequireInt(JsonElement obj, string name, string path, string field)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n) || n < 2)
            throw new ModelFormatException(path, field, "must be an integer of at least 2.");
        return n;
    }

    private static IReadOnlyList<int> Ids(JsonElement value, string path, string field)
    {
        if (value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int single)) return [single];
        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out _)))
            return [.. value.EnumerateArray().Select(v => v.GetInt32())];
        throw new ModelFormatException(path, field, "must be a token id or a list of token ids.");
    }
}
