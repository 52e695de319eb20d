using System.Text.Json;

namespace Aligner.Training.WeakToStrong;

/// <summary>
/// The committed state of a synthesis output folder: how many bytes of each output file are committed and the running
/// totals. Written atomically (temporary file, flush, rename) after every batch; bytes past the committed lengths are
/// an interrupted batch and are cut off on resume.
/// </summary>
internal sealed record SynthesisState(
    long CorrectionsBytes,
    long SftBytes,
    long PreferencesBytes,
    int Recorded,
    int SftRows,
    int PreferenceRows,
    int UnchangedPairs,
    int Fallbacks)
{
    public const int FormatVersion = 1;

    public static SynthesisState Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    public static SynthesisState Load(string path)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new SynthesisStateException(path, $"Not valid JSON: {e.Message}", e); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new SynthesisStateException(path, "Expected a JSON object.");
            long Number(string name)
            {
                if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n) || n < 0)
                    throw new SynthesisStateException(path, $"Field '{name}' is missing or not a non-negative integer.");
                return n;
            }
            int Count(string name) => checked((int)Number(name));
            if (Number("formatVersion") != FormatVersion)
                throw new SynthesisStateException(path, $"Field 'formatVersion' is {Number("formatVersion")}; this version reads {FormatVersion}.");
            return new SynthesisState(Number("correctionsBytes"), Number("sftBytes"), Number("preferencesBytes"),
                Count("recorded"), Count("sftRows"), Count("preferenceRows"), Count("unchangedPairs"), Count("fallbacks"));
        }
    }

    public void SaveAtomically(string path)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteNumber("formatVersion", FormatVersion);
                writer.WriteNumber("correctionsBytes", CorrectionsBytes);
                writer.WriteNumber("sftBytes", SftBytes);
                writer.WriteNumber("preferencesBytes", PreferencesBytes);
                writer.WriteNumber("recorded", Recorded);
                writer.WriteNumber("sftRows", SftRows);
                writer.WriteNumber("preferenceRows", PreferenceRows);
                writer.WriteNumber("unchangedPairs", UnchangedPairs);
                writer.WriteNumber("fallbacks", Fallbacks);
                writer.WriteEndObject();
            }
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
