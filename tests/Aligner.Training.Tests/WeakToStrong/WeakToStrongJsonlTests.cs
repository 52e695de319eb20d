using Aligner.Training.Data;
using Aligner.Training.WeakToStrong;

namespace Aligner.Training.Tests.WeakToStrong;

public sealed class WeakToStrongJsonlTests
{
    [Fact]
    public void RowsRoundTripIncludingAwkwardText()
    {
        using var temp = new TempFolder();
        SftExample[] sft = [new("Line\nbreak \"quoted\" </s> ü 日本", "tab\there", "k1"), new("no key", "x")];
        PreferenceExample[] preferences = [new("q", "good", "bad", "k"), new("q2", "", "bad2")];
        WeakToStrongJsonl.Write(temp.File("sft.jsonl"), sft);
        WeakToStrongJsonl.Write(temp.File("pref.jsonl"), preferences);

        Assert.Equal(sft, WeakToStrongJsonl.ReadSft(temp.File("sft.jsonl")));
        Assert.Equal(preferences, WeakToStrongJsonl.ReadPreferences(temp.File("pref.jsonl")));
        Assert.Equal("{\"key\":\"k\",\"prompt\":\"q\",\"chosen\":\"good\",\"rejected\":\"bad\"}", WeakToStrongJsonl.ToLine(preferences[0]));
        Assert.Equal(2, File.ReadAllLines(temp.File("sft.jsonl")).Length);
    }

    [Theory]
    [InlineData("{\"prompt\":\"q\",\"chosen\":\"c\"}", 2, "rejected")]
    [InlineData("{\"prompt\":\"q\",\"chosen\":\"c\",\"rejected\":7}", 2, "rejected")]
    [InlineData("[1,2]", 2, null)]
    [InlineData("{\"prompt\":", 2, null)]
    public void MalformedLinesNameLineAndField(string badLine, long line, string? field)
    {
        using var temp = new TempFolder();
        File.WriteAllLines(temp.File("p.jsonl"), ["{\"prompt\":\"q\",\"chosen\":\"c\",\"rejected\":\"r\"}", badLine]);
        var error = Assert.Throws<DatasetFormatException>(() => WeakToStrongJsonl.ReadPreferences(temp.File("p.jsonl")));
        Assert.Equal((temp.File("p.jsonl"), line, field), (error.FilePath, error.Row, error.Field));
    }

    [Fact]
    public void MissingFileIsATypedError() =>
        Assert.Throws<DatasetFormatException>(() => WeakToStrongJsonl.ReadSft("/nonexistent/sft.jsonl"));
}
