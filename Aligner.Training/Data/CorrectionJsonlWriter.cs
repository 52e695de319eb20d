using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Aligner.Training.Data;

/// <summary>Writes correction rows as JSON Lines (one object per line, UTF-8 without BOM, <c>\n</c> line ends).</summary>
public static class CorrectionJsonlWriter
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the rows to a file, replacing it.</summary>
    /// <param name="path">The file.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="mapping">Field names to write; <see cref="CorrectionFieldMapping.Default"/> when null.</param>
    public static void Write(string path, IEnumerable<CorrectionExample> rows, CorrectionFieldMapping? mapping = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(rows);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        foreach (var row in rows) writer.WriteLine(ToLine(row, mapping));
    }

    /// <summary>Formats one row as its JSONL line (without the line end).</summary>
    /// <param name="row">The row.</param>
    /// <param name="mapping">Field names to write; <see cref="CorrectionFieldMapping.Default"/> when null.</param>
    public static string ToLine(CorrectionExample row, CorrectionFieldMapping? mapping = null)
    {
        ArgumentNullException.ThrowIfNull(row);
        mapping ??= CorrectionFieldMapping.Default;
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString(mapping.Question, row.Question);
            writer.WriteString(mapping.Answer, row.Answer);
            writer.WriteString(mapping.Correction, row.Correction);
            if (mapping.Category is not null && row.Category is not null) writer.WriteString(mapping.Category, row.Category);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
