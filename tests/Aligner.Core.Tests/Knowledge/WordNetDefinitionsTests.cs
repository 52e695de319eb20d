using Aligner.Knowledge;

namespace Aligner.Core.Tests.Knowledge;

/// <summary>
/// The definitions source over a small file in the shipped format, and over the shipped file itself (WordNet 3.1's nouns,
/// samples/models/aligner-v3/knowledge).
/// </summary>
public sealed class WordNetDefinitionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("aligner-definitions-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string text, bool gzip = true) => Support.GzipFiles.Write(_folder, text, gzip);

    private const string Small =
        "# aligner-definitions 1: test\n" +
        "=nocturnal mouselike mammal with forelimbs modified to form membranous wings\n" +
        "=a club used for hitting a ball in various games\n" +
        "=a general and progressive increase in prices\n" +
        "=queen of Egypt; mistress of Julius Caesar\n" +
        "=a region of space from which nothing escapes\n" +
        "=round object that is hit or thrown or kicked in games\n" +
        "bat\t0 1\n" +
        "inflation\t2\n" +
        "cleopatra\t3\n" +
        "black_hole\t4\n" +
        "ball\t5\n";

    [Fact]
    public void Answers_with_the_first_sense_unless_the_question_points_to_another()
    {
        var source = WordNetDefinitions.Load(Write(Small));
        Assert.Equal(5, source.Count);
        Assert.Equal("Inflation is a general and progressive increase in prices.", source.Answer("Can you explain what inflation is?")!.Text);
        Assert.Equal("A bat is nocturnal mouselike mammal with forelimbs modified to form membranous wings.", source.Answer("What is a bat?")!.Text);
        // Beside "ball", the second sense is the one meant.
        Assert.Equal("A bat is a club used for hitting a ball in various games. A ball is round object that is hit or thrown or kicked in games.",
            source.Answer("What's the difference between a bat and a ball?")!.Text);
        Assert.Equal("Cleopatra was queen of Egypt; mistress of Julius Caesar.", source.Answer("Who was Cleopatra?")!.Text);
        var plural = source.Answer("What are black holes?")!;
        Assert.Equal("A black hole is a region of space from which nothing escapes.", plural.Text);
        Assert.Equal("wordnet", plural.SourceId);
        Assert.Equal("black holes", plural.Topic);
    }

    [Fact]
    public void Unknown_terms_and_other_questions_get_no_answer()
    {
        var source = WordNetDefinitions.Load(Write(Small));
        Assert.Null(source.Answer("What is a blockchain?"));
        Assert.Null(source.Answer("What's the offside rule in football?"));   // never a guess from part of a phrase
        Assert.Null(source.Answer("How do I stop inflation?"));
        Assert.Null(source.Answer("What's the difference between inflation and deflation?")); // one side unknown: no half answer
    }

    [Fact]
    public void Malformed_files_are_format_errors_naming_the_file_and_line()
    {
        var missing = Assert.Throws<ModelFormatException>(() => WordNetDefinitions.Load(Path.Combine(_folder, "nope.txt.gz")));
        Assert.Contains("nope.txt.gz", missing.Message);
        Assert.Throws<ModelFormatException>(() => WordNetDefinitions.Load(Write(Small, gzip: false)));
        var header = Assert.Throws<ModelFormatException>(() => WordNetDefinitions.Load(Write("hello\n")));
        Assert.Equal("line 1", header.Field);
        var index = Assert.Throws<ModelFormatException>(() => WordNetDefinitions.Load(Write("# aligner-definitions 1\n=one\nword\t7\n")));
        Assert.Equal("line 3", index.Field);
        Assert.Throws<ModelFormatException>(() => WordNetDefinitions.LoadOnFirstUse(Path.Combine(_folder, "nope.txt.gz")));
    }

    [Fact]
    public void The_shipped_file_defines_common_topics()
    {
        var path = Path.Combine(RepositoryRoot(), "samples", "models", "aligner-v3", "knowledge", WordNetDefinitions.FileName);
        var source = WordNetDefinitions.LoadOnFirstUse(path);
        Assert.StartsWith("Photosynthesis is ", source.Answer("What is photosynthesis?")!.Text);
        Assert.Contains("increase in prices", source.Answer("Can you explain what inflation is?")!.Text);
        var both = source.Answer("What's the difference between weather and climate?")!.Text;
        Assert.StartsWith("Weather is ", both);
        Assert.Contains(" Climate is ", both);
        Assert.Null(source.Answer("How do I unclog a kitchen sink?"));
        // WordNet's first sense of words mostly asked about as technology would be wrong: no answer.
        Assert.Null(source.Answer("What is Python?"));
        Assert.Null(source.Answer("What's a cookie?"));
    }

    private static string RepositoryRoot() => Support.RepositoryPaths.Root;
}
