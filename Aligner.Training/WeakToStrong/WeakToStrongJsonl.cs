using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Aligner.Training.Data;

namespace Aligner.Training.WeakToStrong;

/// <summary>
/// JSON Lines formats of weak-to-strong data: SFT rows (<c>prompt</c>, <c>completion</c>) and preference rows
/// (<c>prompt</c>, <c>chosen</c>, <c>rejected</c>), each with an optional <c>key</c>. These are the field names of the
/// common prompt-completion and preference data sets, so other trainers read the files as they are.
/// </summary>
public static class WeakToStrongJsonl
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Formats an SFT row as one JSONL line (without the line end).</summary>
    /// <param name="row">The row.</param>
    public static string ToLine(SftExample row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return Format(w =>
        {
            if (row.Key is not null) w.WriteString("key", row.Key);
            w.WriteString("prompt", row.Prompt);
            w.WriteString("completion", row.Completion);
        });
    }

    /// <summary>Formats a preference row as one JSONL line (without the line end).</summary>
    /// <param name="row">The row.</param>
    public static string ToLine(PreferenceExample row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return Format(w =>
        {
            if (row.Key is not null) w.WriteString("key", row.Key);
            w.WriteString("prompt", row.Prompt);
            w.WriteString("chosen", row.Chosen);
            w.WriteString("rejected", row.Rejected);
        });
    }

    /// <summary>Reads SFT rows.</summary>
    /// <param name="path">The JSONL file.</param>
    /// <exception cref="DatasetFormatException">The file is missing or a line is malformed (file, line and field named).</exception>
    public static IReadOnlyList<SftExample> ReadSft(string path) =>
        JsonlObjectReader.Read(path, (o, field) => new SftExample(field("prompt"), field("completion"), OptionalKey(o)));

    /// <summary>Reads preference rows.</summary>
    /// <param name="path">The JSONL file.</param>
    /// <exception cref="DatasetFormatException">The file is missing or a line is malformed (file, line and field named).</exception>
    public static IReadOnlyList<PreferenceExample> ReadPreferences(string path) =>
        JsonlObjectReader.Read(path, (o, field) => new PreferenceExample(field("prompt"), field("chosen"), field("rejected"), OptionalKey(o)));

    /// <summary>Writes SFT rows, replacing the file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="rows">The rows.</param>
    public static void Write(string path, IEnumerable<SftExample> rows) => WriteLines(path, rows.Select(ToLine));

    /// <summary>Writes preference rows, replacing the file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="rows">The rows.</param>
    public static void Write(string path, IEnumerable<PreferenceExample> rows) => WriteLines(path, rows.Select(ToLine));

    internal static string Format(Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static string? OptionalKey(JsonElement row) =>
        row.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String ? key.GetString() : null;

    private static void WriteLines(string path, IEnumerable<string> lines)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        foreach (var line in lines) writer.WriteLine(line);
    }
}
