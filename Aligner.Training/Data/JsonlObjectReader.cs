using System.Text.Json;

namespace Aligner.Training.Data;

/// <summary>Reads a JSONL file of objects line by line; errors name the file, line and field.</summary>
internal static class JsonlObjectReader
{
    /// <summary>
    /// Parses every non-blank line as a JSON object and maps it with <paramref name="parse"/>, which receives the object
    /// and a function returning a required string field (throwing <see cref="DatasetFormatException"/> when it is missing
    /// or not a string).
    /// </summary>
    public static IReadOnlyList<T> Read<T>(string path, Func<JsonElement, Func<string, string>, T> parse)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new DatasetFormatException(path, null, null, "File not found.");
        var rows = new List<T>();
        long lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument document;
            try { document = JsonDocument.Parse(line); }
            catch (JsonException e) { throw new DatasetFormatException(path, lineNumber, null, $"Not valid JSON: {e.Message}", e); }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new DatasetFormatException(path, lineNumber, null, $"Expected a JSON object, found {root.ValueKind}.");
                long at = lineNumber;
                rows.Add(parse(root, name =>
                {
                    if (!root.TryGetProperty(name, out var value))
                        throw new DatasetFormatException(path, at, name, "Missing required field.");
                    if (value.ValueKind != JsonValueKind.String)
                        throw new DatasetFormatException(path, at, name, $"Expected a string, found {value.ValueKind}.");
                    return value.GetString()!;
                }));
            }
        }
        return rows;
    }
}
