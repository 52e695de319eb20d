using Aligner.Training.Data;
using Parquet;
using Parquet.Schema;

namespace Aligner.Training.Tests.Data;

public class CorrectionDatasetReaderTests
{
    private static readonly CorrectionExample[] Rows =
    [
        new("What is 2 + 2?", "5", "4", "factual"),
        new("Say \"hi\" | twice", "hi hi", "hi hi", null),
        new("Ünïcödé?", "Yes: 日本", "Yes: 日本", "good"),
    ];

    [Fact]
    public void JsonlRoundTripsThroughTheWriter()
    {
        using var temp = new TempFolder();
        var path = temp.File("rows.jsonl");
        CorrectionJsonlWriter.Write(path, Rows);
        Assert.Equal(Rows, CorrectionDatasetReader.Read(path));
    }

    [Fact]
    public void JsonlFieldMappingIsConfigurableAndBlankLinesAreSkipped()
    {
        using var temp = new TempFolder();
        var path = temp.File("custom.jsonl");
        File.WriteAllText(path, "{\"prompt\":\"q\",\"response\":\"a\",\"revised\":\"c\"}\n\n{\"prompt\":\"q2\",\"response\":\"a2\",\"revised\":\"c2\",\"extra\":1}\n");
        var rows = CorrectionDatasetReader.ReadJsonl(path, new CorrectionFieldMapping { Question = "prompt", Answer = "response", Correction = "revised" });
        Assert.Equal([new("q", "a", "c"), new("q2", "a2", "c2")], rows);
    }

    [Fact]
    public void JsonlMissingFieldNamesFileLineAndField()
    {
        using var temp = new TempFolder();
        var path = temp.File("bad.jsonl");
        File.WriteAllText(path, "{\"question\":\"q\",\"answer\":\"a\",\"correction\":\"c\"}\n{\"question\":\"q\",\"answer\":\"a\"}\n");
        var e = Assert.Throws<DatasetFormatException>(() => CorrectionDatasetReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(2, e.Row);
        Assert.Equal("correction", e.Field);
        Assert.Contains($"{path}:2", e.Message);
    }

    [Fact]
    public void JsonlInvalidJsonAndWrongTypesNameTheLine()
    {
        using var temp = new TempFolder();
        var path = temp.File("broken.jsonl");
        File.WriteAllText(path, "{\"question\":\"q\",\"answer\":\"a\",\"correction\":\"c\"}\n\n{\"question\": oops\n");
        var e = Assert.Throws<DatasetFormatException>(() => CorrectionDatasetReader.Read(path));
        Assert.Equal(3, e.Row);

        File.WriteAllText(path, "{\"question\":\"q\",\"answer\":7,\"correction\":\"c\"}\n");
        e = Assert.Throws<DatasetFormatException>(() => CorrectionDatasetReader.Read(path));
        Assert.Equal((1L, "answer"), (e.Row!.Value, e.Field!));

        File.WriteAllText(path, "[1,2]\n");
        e = Assert.Throws<DatasetFormatException>(() => CorrectionDatasetReader.Read(path));
        Assert.Equal(1, e.Row);
    }

    [Fact]
    public void MissingFileAndUnknownExtensionNameTheFile()
    {
        var e = Assert.Throws<DatasetFormatException>(() => CorrectionDatasetReader.Read("/nonexistent/rows.jsonl"));
        Assert.Equal("/nonexistent/rows.jsonl", e.FilePath);
        e = Assert.Throws<DatasetFormatException>(() => CorrectionDatasetReader.Read("/nonexistent/rows.csv"));
        Assert.Contains(".csv", e.Message);
    }

    [Fact]
    public async Task ParquetIsReadAcrossRowGroupsWithMapping()
    {
        using var temp = new TempFolder();
        var path = temp.File("rows.parquet");
        await WriteParquet(path, ["prompt", "response", "revised", "category"], [Rows[..2], Rows[2..]]);
        var rows = CorrectionDatasetReader.Read(path, new CorrectionFieldMapping { Question = "prompt", Answer = "response", Correction = "revised" });
        Assert.Equal(Rows, rows);
    }

    [Fact]
    public async Task ParquetMissingColumnAndNullValueAreNamed()
    {
        using var temp = new TempFolder();
        var path = temp.File("rows.parquet");
        await WriteParquet(path, ["question", "answer", "fixed", "category"], [Rows]);
        var e = Assert.Throws<DatasetFormatException>(() => CorrectionDatasetReader.Read(path));
        Assert.Equal(("correction", path), (e.Field!, e.FilePath));

        await WriteParquet(path, ["question", "answer", "correction", "category"], [[Rows[0], Rows[1] with { Answer = null! }]]);
        e = Assert.Throws<DatasetFormatException>(() => CorrectionDatasetReader.Read(path));
        Assert.Equal((2L, "answer"), (e.Row!.Value, e.Field!));
    }

    [Fact]
    public void ParquetGarbageIsATypedError()
    {
        using var temp = new TempFolder();
        var path = temp.File("garbage.parquet");
        File.WriteAllText(path, "this is not parquet at all");
        var e = Assert.Throws<DatasetFormatException>(() => CorrectionDatasetReader.Read(path));
        Assert.Equal(path, e.FilePath);
    }

    private static async Task WriteParquet(string path, string[] names, CorrectionExample[][] groups)
    {
        var fields = names.Select(n => new DataField<string>(n, true)).ToArray();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        foreach (var group in groups)
        {
            using var rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync(fields[0], group.Select(r => r.Question).ToArray());
            await rowGroup.WriteAsync(fields[1], group.Select(r => r.Answer).ToArray());
            await rowGroup.WriteAsync(fields[2], group.Select(r => r.Correction).ToArray());
            await rowGroup.WriteAsync(fields[3], group.Select(r => r.Category).ToArray()!);
        }
    }
}
