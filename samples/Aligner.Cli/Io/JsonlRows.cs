using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aligner.Cli.Io;

/// <summary>One line of a JSONL input file: its 1-based line number and either the parsed object or why it is unusable.</summary>
internal sealed record JsonlRow(int Line, JsonObject? Object, string? Error)
{
    public bool IsValid => Error is null;
}

/// <summary>Reads JSONL user files line by line, with error messages that name the file and line (never System.Text.Json's own "LineNumber: 0").</summary>
internal static partial class JsonlRows
{
    /// <summary>Compact JSON for JSONL files: one line, non-ASCII text kept readable.</summary>
    public static readonly JsonSerializerOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    /// <summary>The display name of an input path ('-' is stdin).</summary>
    public static string DisplayName(string path) => path == "-" ? "<stdin>" : path;

    /// <summary>Every non-blank line of <paramref name="path"/> ('-' = stdin), parsed; lines that are not JSON objects carry an error.</summary>
    public static List<JsonlRow> ReadAll(string path)
    {
        if (path != "-" && !File.Exists(path))
            throw new InputDataException(Directory.Exists(path) ? $"{path}: is a folder, not a JSONL file." : $"{path}: file not found.");
        using var reader = path == "-" ? new StreamReader(Console.OpenStandardInput()) : new StreamReader(path);
        var rows = new List<JsonlRow>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            rows.Add(Parse(line, lineNumber));
        }
        return rows;
    }

    /// <summary>Parses one line into a JSON object, or describes why it is not one.</summary>
    public static JsonlRow Parse(string line, int lineNumber)
    {
        try
        {
            return JsonNode.Parse(line) is JsonObject obj
                ? new JsonlRow(lineNumber, obj, null)
                : new JsonlRow(lineNumber, null, "expected a JSON object.");
        }
        catch (JsonException e)
        {
            return new JsonlRow(lineNumber, null, $"not valid JSON at column {(e.BytePositionInLine ?? 0) + 1}: {CleanJsonMessage(e.Message)}");
        }
    }

    /// <summary>System.Text.Json's message without its own position suffix (which counts lines from 0 inside one JSONL line).</summary>
    public static string CleanJsonMessage(string message)
    {
        var cleaned = JsonPosition().Replace(message, "").Trim();
        return cleaned.EndsWith('.') ? cleaned : cleaned + ".";
    }

    /// <summary>A required, non-blank string field of a row, or an error message naming it.</summary>
    public static string? RequiredText(JsonObject obj, string field, out string? error)
    {
        error = null;
        if (obj[field] is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            error = obj.ContainsKey(field) ? $"field '{field}' is not a string." : $"field '{field}' is missing.";
            return null;
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"field '{field}' is empty.";
            return null;
        }
        return text;
    }

    /// <summary>
    /// The identity of an input row, used to check that an existing output file belongs to this input:
    /// its <c>id</c> field when it has one, otherwise a hash of question and answer.
    /// </summary>
    public static string Key(JsonNode? id, string question, string answer)
    {
        if (id is not null) return "id:" + id.ToJsonString();
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(question + "\u0000" + answer));
        return "qa:" + Convert.ToHexString(bytes, 0, 12);
    }

    [GeneratedRegex(@"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?")]
    private static partial Regex JsonPosition();
}
