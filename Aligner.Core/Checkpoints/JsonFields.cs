using System.Text.Json;

namespace Aligner.Checkpoints;

/// <summary>Typed reads of JSON fields that report errors as <see cref="ModelFormatException"/> naming file and field.</summary>
internal readonly struct JsonFields(JsonElement obj, string filePath, string prefix = "")
{
    public string FilePath => filePath;

    public bool Has(string name) => obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public bool IsExplicitNull(string name) => obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Null;

    public bool TryGet(string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public ModelFormatException Error(string name, string problem) => new(filePath, prefix + name, problem);

    public int RequiredInt(string name) =>
        OptionalInt(name) ?? throw Error(name, "is required (an integer).");

    public int? OptionalInt(string name)
    {
        if (!TryGet(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) return (int)d;
        throw Error(name, $"must be an integer (was {Describe(v)}).");
    }

    public double? OptionalDouble(string name)
    {
        if (!TryGet(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d)) return d;
        throw Error(name, $"must be a finite number (was {Describe(v)}).");
    }

    public bool? OptionalBool(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(name, $"must be true or false (was {Describe(v)})."),
        };
    }

    public string? OptionalString(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Error(name, $"must be a string (was {Describe(v)}).");
    }

    /// <summary>An integer, or a list of integers (as <c>eos_token_id</c> may be).</summary>
    public IReadOnlyList<int> IntOrIntList(string name)
    {
        if (!TryGet(name, out var v)) return [];
        if (v.ValueKind == JsonValueKind.Number) return [OptionalInt(name)!.Value];
        if (v.ValueKind != JsonValueKind.Array) throw Error(name, $"must be an integer or a list of integers (was {Describe(v)}).");
        var list = new List<int>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int i))
                throw Error(name, $"must be an integer or a list of integers (has {Describe(item)}).");
            list.Add(i);
        }
        return list;
    }

    public static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"\"{Truncate(v.GetString() ?? "")}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => Truncate(v.GetRawText()),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
