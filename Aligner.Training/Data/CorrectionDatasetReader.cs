using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace Aligner.Training.Data;

/// <summary>
/// Reads question / answer / correction rows from JSON Lines (<c>.jsonl</c>, <c>.json</c> with one object per line)
/// or Parquet (<c>.parquet</c>) files. Every error names the file, the 1-based line or row, and the field.
/// </summary>
public static class CorrectionDatasetReader
{
    /// <summary>Reads a dataset file, choosing the format by its extension.</summary>
    /// <param name="path">A <c>.jsonl</c>/<c>.json</c> or <c>.parquet</c> file.</param>
    /// <param name="mapping">Field names; <see cref="CorrectionFieldMapping.Default"/> when null.</param>
    /// <exception cref="DatasetFormatException">The file is missing, has an unknown extension, or a row is malformed.</exception>
    public static IReadOnlyList<CorrectionExample> Read(string path, CorrectionFieldMapping? mapping = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" or ".json" or ".ndjson" => ReadJsonl(path, mapping),
            ".parquet" => Task.Run(() => ReadParquetAsync(path, mapping)).GetAwaiter().GetResult(),
            var ext => throw new DatasetFormatException(path, null, null, $"Unknown dataset extension '{ext}'; use .jsonl or .parquet."),
        };
    }

    /// <summary>Reads a JSON Lines file: one JSON object per line; blank lines are skipped.</summary>
    /// <param name="path">The file.</param>
    /// <param name="mapping">Field names; <see cref="CorrectionFieldMapping.Default"/> when null.</param>
    /// <exception cref="DatasetFormatException">The file is missing or a line is not an object with the mapped string fields.</exception>
    public static IReadOnlyList<CorrectionExample> ReadJsonl(string path, CorrectionFieldMapping? mapping = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        mapping ??= CorrectionFieldMapping.Default;
        return JsonlObjectReader.Read(path, (root, required) =>
        {
            string? category = null;
            if (mapping.Category is not null && root.TryGetProperty(mapping.Category, out var c) && c.ValueKind == JsonValueKind.String)
                category = c.GetString();
            return new CorrectionExample(required(mapping.Question), required(mapping.Answer), required(mapping.Correction), category);
        });
    }

    /// <summary>Reads a Parquet file with string columns for the mapped fields.</summary>
    /// <param name="path">The file.</param>
    /// <param name="mapping">Field names; <see cref="CorrectionFieldMapping.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="DatasetFormatException">The file is missing or not Parquet, a column is missing or not text, or a value is null.</exception>
    public static async Task<IReadOnlyList<CorrectionExample>> ReadParquetAsync(string path, CorrectionFieldMapping? mapping = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        mapping ??= CorrectionFieldMapping.Default;
        if (!File.Exists(path)) throw new DatasetFormatException(path, null, null, "File not found.");
        await using var stream = File.OpenRead(path);
        ParquetReader reader;
        try { reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new DatasetFormatException(path, null, null, $"Not a readable Parquet file: {e.Message}", e);
        }
        await using (reader.ConfigureAwait(false))
        {
            var fields = reader.Schema.GetDataFields();
            DataField Column(string name, bool required)
            {
                var field = fields.FirstOrDefault(f => f.Name == name);
                if (field is null && required)
                    throw new DatasetFormatException(path, null, name, $"Missing required column; columns: {string.Join(", ", fields.Select(f => f.Name))}.");
                if (field is not null && field.ClrType != typeof(string) && field.ClrType != typeof(ReadOnlyMemory<char>))
                    throw new DatasetFormatException(path, null, name, $"Expected a string column, found {field.ClrType.Name}.");
                return field!;
            }
            var questionField = Column(mapping.Question, true);
            var answerField = Column(mapping.Answer, true);
            var correctionField = Column(mapping.Correction, true);
            var categoryField = mapping.Category is null ? null : Column(mapping.Category, false);
            var rows = new List<CorrectionExample>();
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var questions = await ReadStrings(group, questionField, cancellationToken).ConfigureAwait(false);
                var answers = await ReadStrings(group, answerField, cancellationToken).ConfigureAwait(false);
                var corrections = await ReadStrings(group, correctionField, cancellationToken).ConfigureAwait(false);
                var categories = categoryField is null ? null : await ReadStrings(group, categoryField, cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < questions.Length; i++)
                {
                    long rowNumber = rows.Count + 1;
                    string Value(string?[] column, DataField field) =>
                        column[i] ?? throw new DatasetFormatException(path, rowNumber, field.Name, "Value is null.");
                    rows.Add(new CorrectionExample(Value(questions, questionField), Value(answers, answerField),
                        Value(corrections, correctionField), categories?[i]));
                }
            }
            return rows;
        }
    }

    private static async Task<string?[]> ReadStrings(ParquetRowGroupReader group, DataField field, CancellationToken cancellationToken)
    {
        var values = new string?[checked((int)group.RowCount)];
        await group.ReadAsync(field, values.AsMemory()!, null, cancellationToken).ConfigureAwait(false);
        return values;
    }
}
