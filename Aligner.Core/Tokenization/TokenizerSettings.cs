using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aligner.Tokenization;

/// <summary>
/// What <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> say: the BOS/EOS/PAD/UNK token strings and
/// whether BOS/EOS are added. <see langword="null"/> means the files do not say.
/// </summary>
public sealed record TokenizerSettings
{
    /// <summary>The beginning-of-sequence token text.</summary>
    public string? BosToken { get; init; }

    /// <summary>The end-of-sequence token text.</summary>
    public string? EosToken { get; init; }

    /// <summary>The padding token text.</summary>
    public string? PadToken { get; init; }

    /// <summary>The unknown token text.</summary>
    public string? UnkToken { get; init; }

    /// <summary><c>add_bos_token</c>: when set, it decides whether encoding with special tokens prepends BOS.</summary>
    public bool? AddBosToken { get; init; }

    /// <summary><c>add_eos_token</c>: when set, it decides whether encoding with special tokens appends EOS.</summary>
    public bool? AddEosToken { get; init; }

    /// <summary><c>model_max_length</c>, when given and meaningful.</summary>
    public int? ModelMaxLength { get; init; }

    internal const string ConfigFileName = "tokenizer_config.json";
    internal const string SpecialTokensMapFileName = "special_tokens_map.json";

    /// <summary>Reads the settings of a checkpoint folder; missing files leave fields unset.</summary>
    /// <exception cref="ModelFormatException">A file exists but is not valid JSON or has a field of the wrong type.</exception>
    public static TokenizerSettings Read(string folder)
    {
        var settings = new TokenizerSettings();
        foreach (var name in new[] { SpecialTokensMapFileName, ConfigFileName })
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            try
            {
                settings = Apply(settings, ReadObject(path), path);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
            {
                // e.g. a duplicated property name, reported by JsonObject on first access
                throw new ModelFormatException(path, null, "malformed: " + e.Message, e);
            }
        }
        return settings;
    }

    /// <summary>The contents of <c>tokenizer_config.json</c> for these settings.</summary>
    public JsonObject ToConfigJson()
    {
        var o = new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["clean_up_tokenization_spaces"] = false,
        };
        if (AddBosToken is bool addBos) o["add_bos_token"] = addBos;
        if (AddEosToken is bool addEos) o["add_eos_token"] = addEos;
        if (BosToken is not null) o["bos_token"] = BosToken;
        if (EosToken is not null) o["eos_token"] = EosToken;
        if (PadToken is not null) o["pad_token"] = PadToken;
        if (UnkToken is not null) o["unk_token"] = UnkToken;
        if (ModelMaxLength is int max) o["model_max_length"] = max;
        return o;
    }

    /// <summary>The contents of <c>special_tokens_map.json</c> for these settings.</summary>
    public JsonObject ToSpecialTokensMapJson()
    {
        var o = new JsonObject();
        if (BosToken is not null) o["bos_token"] = BosToken;
        if (EosToken is not null) o["eos_token"] = EosToken;
        if (PadToken is not null) o["pad_token"] = PadToken;
        if (UnkToken is not null) o["unk_token"] = UnkToken;
        return o;
    }

    private static JsonObject ReadObject(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new ModelFormatException(path, null, "expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, null, "not valid JSON: " + e.Message, e);
        }
        catch (IOException e)
        {
            throw new ModelFormatException(path, null, "cannot be read: " + e.Message, e);
        }
    }

    private static TokenizerSettings Apply(TokenizerSettings s, JsonObject o, string path) => s with
    {
        BosToken = TokenText(o, "bos_token", path, s.BosToken),
        EosToken = TokenText(o, "eos_token", path, s.EosToken),
        PadToken = TokenText(o, "pad_token", path, s.PadToken),
        UnkToken = TokenText(o, "unk_token", path, s.UnkToken),
        AddBosToken = Flag(o, "add_bos_token", path) ?? s.AddBosToken,
        AddEosToken = Flag(o, "add_eos_token", path) ?? s.AddEosToken,
        ModelMaxLength = MaxLength(o) ?? s.ModelMaxLength,
    };

    private static string? TokenText(JsonObject o, string field, string path, string? fallback)
    {
        if (!o.TryGetPropertyValue(field, out var node)) return fallback;
        return node switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonObject t when t["content"] is JsonValue c && c.GetValueKind() == JsonValueKind.String => c.GetValue<string>(),
            _ => throw new ModelFormatException(path, field, "expected a string, an object with 'content', or null"),
        };
    }

    private static bool? Flag(JsonObject o, string field, string path)
    {
        if (!o.TryGetPropertyValue(field, out var node) || node is null) return null;
        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        throw new ModelFormatException(path, field, "expected true or false");
    }

    private static int? MaxLength(JsonObject o) =>
        o["model_max_length"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) && d >= 1 && d <= int.MaxValue
            ? (int)d : null;
}
