
namespace Aligner.Training.Tests.Training;

/// <summary>Replacing a folder replaces only what the writer produces: other files stay, stale model files go.</summary>
public class AtomicFolderTests
{
    [Fact]
    public void OverwritingKeepsUnrelatedEntriesAndDropsStaleModelFiles()
    {
        using var temp = new TempFolder();
        var output = Directory.CreateDirectory(temp.File("model")).FullName;
        File.WriteAllText(Path.Combine(output, "config.json"), "old");
        File.WriteAllText(Path.Combine(output, "model-00002-of-00002.safetensors"), "old shard");
        File.WriteAllText(Path.Combine(output, "NOTES.md"), "mine");
        Directory.CreateDirectory(Path.Combine(output, "eval"));
        File.WriteAllText(Path.Combine(output, "eval", "rows.jsonl"), "{}");

        AtomicFolder.Write(output, overwrite: true, folder => File.WriteAllText(Path.Combine(folder, "config.json"), "new"));

        Assert.Equal("new", File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "NOTES.md")));
        Assert.Equal("{}", File.ReadAllText(Path.Combine(output, "eval", "rows.jsonl")));
        Assert.False(File.Exists(Path.Combine(output, "model-00002-of-00002.safetensors")));
        Assert.Single(Directory.GetFileSystemEntries(temp.Path)); // no temporary or set-aside folder left
    }

    [Theory]
    [InlineData("model.safetensors", true)]
    [InlineData("model.safetensors.index.json", true)]
    [InlineData("tokenizer_config.json", true)]
    [InlineData("model.onnx.data", true)]
    [InlineData("loss.png", true)]
    [InlineData("README.md", false)]
    [InlineData("MODEL_CARD.md", false)]
    [InlineData("notes.txt", false)]
    public void ModelFilesAreRecognisedByName(string name, bool isModelFile) => Assert.Equal(isModelFile, AtomicFolder.IsModelFile(name));
}
