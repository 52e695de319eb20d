using System.Text;
using Aligner.Knowledge;

namespace Aligner.Core.Tests.Knowledge;

/// <summary>
/// WordNet's definitions as a fact checker: over a small file written here (which facts count, when it declines), and over
/// the shipped file (samples/models/aligner-v3/knowledge) on real questions.
/// </summary>
public sealed class WordNetFactCheckerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("aligner-wordnet-facts-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private WordNetFactChecker Small(params (string Lemmas, string Gloss)[] senses) => WordNetFactChecker.LoadOnFirstUse(Write(senses));

    private string Write(params (string Lemmas, string Gloss)[] senses)
    {
        var text = new StringBuilder("# aligner-definitions 1: test\n");
        var lemmas = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < senses.Length; i++)
        {
            text.Append('=').Append(senses[i].Gloss).Append('\n');
            foreach (var l in senses[i].Lemmas.Split(','))
            {
                if (!lemmas.TryGetValue(l, out var list)) lemmas[l] = list = [];
                list.Add(i);
            }
        }
        foreach (var (l, list) in lemmas) text.Append(l).Append('\t').Append(string.Join(' ', list)).Append('\n');
        return Support.GzipFiles.Write(_folder, text.ToString());
    }

    private static readonly Lazy<WordNetFactChecker> Shipped = new(() =>
        WordNetFactChecker.LoadOnFirstUse(Path.Combine(Support.RepositoryPaths.Root, "samples", "models", "aligner-v3", "knowledge", WordNetDefinitions.FileName)));

    private static readonly (string, string)[] Planets =
    [
        ("jupiter", "the largest planet and the 5th from the sun"),
        ("saturn", "a giant planet that is surrounded by rings; the 6th planet from the sun"),
        ("mercury", "the smallest planet and the nearest to the sun"),
        ("venus", "the second nearest planet to the sun"),
        ("sun", "the star that is the source of light and heat for the planets in the solar system"),
    ];

    [Theory]
    [InlineData("Which planet is the largest?", "Saturn is the largest planet.", "Jupiter is the largest planet.")]
    [InlineData("What's the biggest planet in the solar system?", "saturn, without a doubt.", "jupiter, without a doubt.")]
    [InlineData("Which planet is closest to the Sun?", "Venus is the closest planet to the Sun.", "Mercury is the closest planet to the Sun.")]
    [InlineData("Which planet is the smallest?", "Mercury.", null)]
    [InlineData("Which planet is the largest?", "Jupiter, by far; Saturn comes second.", null)]
    [InlineData("Which planet is the largest?", "I'm not sure.", null)]
    public void Superlatives_come_from_the_one_definition_that_states_them(string question, string answer, string? expected) =>
        Assert.Equal(expected, Small(Planets).Check(question, answer)?.CorrectedAnswer);

    [Fact]
    public void Two_definitions_stating_the_same_superlative_give_no_answer()
    {
        var checker = Small(("nile", "the world's longest river"), ("amazon", "the longest river; flows into the Atlantic"), ("thames", "a river in England"));
        Assert.Null(checker.Check("What is the longest river?", "The Thames is the longest river."));
    }

    [Fact]
    public void A_superlative_limited_to_a_place_answers_only_a_question_about_that_place()
    {
        var checker = Small(
            ("everest", "a mountain in Nepal; the highest mountain peak in the world"),
            ("aconcagua", "the highest mountain in the western hemisphere"),
            ("denali", "a mountain in Alaska"),
            ("himalayas", "a mountain range that contains the world's highest mountain"));
        Assert.Equal("Everest is the highest mountain.", checker.Check("What is the highest mountain?", "Denali is the highest mountain.")?.CorrectedAnswer);
        Assert.Equal("Aconcagua is the highest mountain there.",
            checker.Check("What is the highest mountain in the western hemisphere?", "Denali is the highest mountain there.")?.CorrectedAnswer);
    }

    [Fact]
    public void Ranked_below_the_top_does_not_count()
    {
        var checker = Small(("africa", "the second largest continent"), ("europe", "a continent"), ("asia", "a continent of many countries"));
        Assert.Null(checker.Check("What is the largest continent?", "Europe is the largest continent."));
    }

    [Theory]
    [InlineData("Who was the first President of the United States?", "Thomas Jefferson was the first President of the United States.", "George Washington was the first President of the United States.")]
    [InlineData("Who was the 16th President of the United States?", "George Washington.", "Abraham Lincoln.")]
    [InlineData("Who was the 3rd President of the United States?", "Thomas Jefferson, from 1801 to 1809.", null)]
    [InlineData("How many sides does a hexagon have?", "A hexagon has eight sides.", "A hexagon has six sides.")]
    [InlineData("How many sides does an octagon have?", "8 sides.", null)]
    [InlineData("How many legs does a spider have?", "Spiders have 6 legs.", "Spiders have 8 legs.")]
    [InlineData("What is the largest ocean?", "The Indian Ocean is the largest.", "The Pacific Ocean is the largest.")]
    [InlineData("What's the largest ocean on Earth?", "The Arctic Ocean is the largest ocean on Earth.", "The Pacific Ocean is the largest ocean on Earth.")]
    [InlineData("What is the longest river in the world?", "The Amazon is the longest river in the world.", "The Nile is the longest river in the world.")]
    [InlineData("What is the highest mountain in the world?", "K2 is the highest mountain in the world.", "Everest is the highest mountain in the world.")]
    [InlineData("Which is the smallest continent?", "Europe is the smallest continent.", "Australia is the smallest continent.")]
    [InlineData("What is the largest desert?", "The Gobi is the world's largest desert.", "The Sahara is the world's largest desert.")]
    [InlineData("What's the largest mammal?", "The blue whale is the largest mammal.", null)]
    [InlineData("What is the largest city in Canada?", "Toronto is the largest city in Canada.", null)]
    [InlineData("Which is the best programming language?", "Python is the best one for beginners.", null)]
    [InlineData("Who is the fastest runner?", "Usain Bolt holds the 100 m record.", null)]
    [InlineData("When did World War II end?", "World War II ended in 1946, with Japan's surrender.", "World War II ended in 1945, with Japan's surrender.")]
    [InlineData("When was Shakespeare born?", "Shakespeare was born in 1546.", "Shakespeare was born in 1564.")]
    [InlineData("In which year did World War I begin?", "It began in 1915.", "It began in 1914.")]
    [InlineData("What year did Lincoln die?", "He died in 1865.", null)]
    [InlineData("When did Adams die?", "In 1800.", null)] // several people called Adams: spans disagree
    [InlineData("When was Cleopatra born?", "In 70 BC.", null)]
    [InlineData("When did World War II end?", "In 1945 in Europe, months later in Asia; 1946 saw the trials.", null)]
    [InlineData("Are whales fish?", "No, whales are reptiles. They breathe air.", "No, whales are mammals. They breathe air.")]
    [InlineData("Is a spider an insect?", "Yes, a spider is an insect.", "No, a spider is an arachnid.")]
    [InlineData("Are snakes amphibians?", "Yes, snakes are amphibians.", "No, snakes are reptiles.")]
    [InlineData("What kind of animal is a shark?", "A shark is a mammal.", "A shark is a fish.")]
    [InlineData("Is a whale a mammal?", "Yes, whales are mammals.", null)]
    [InlineData("Are penguins birds?", "Yes, penguins are birds that cannot fly.", null)]
    // WordNet's first "dolphin" is the dolphinfish: an answer calling dolphins fish fits one of its senses and is left alone.
    [InlineData("Are dolphins fish?", "Yes, dolphins are fish.", null)]
    public void The_shipped_definitions_fix_general_knowledge(string question, string answer, string? expected) =>
        Assert.Equal(expected, Shipped.Value.Check(question, answer)?.CorrectedAnswer);

    [Fact]
    public void Hostile_answers_to_questions_it_checks_are_left_alone()
    {
        var random = new Random(11);
        var garbage = new string([.. Enumerable.Range(0, 200_000).Select(_ => (char)random.Next(32, 0x3000))]);
        var words = string.Concat(Enumerable.Repeat("the largest planet is not a fish nor an ocean, Saturn said to Venus; ", 60))[..3_999];
        foreach (var q in new[] { "Which planet is the largest?", "Are whales fish?", "How many sides does a hexagon have?", "Who was the 16th President of the United States?" })
        {
            Assert.Null(Shipped.Value.Check(q, garbage)); // longer than FactCheckers.MaxAnswerLength: not read
            _ = Shipped.Value.Check(q, words);            // read in full: must end, whatever it decides
        }
        Assert.Null(Shipped.Value.Check(garbage, "Saturn."));
    }

    [Fact]
    public void The_checker_and_the_knowledge_source_share_one_load_of_a_file()
    {
        var path = Write(("jupiter", "the largest planet"), ("saturn", "a planet with rings"));
        Assert.Same(WordNetDefinitions.Shared(path), WordNetDefinitions.Shared(Path.Combine(Path.GetDirectoryName(path)!, ".", Path.GetFileName(path))));
        var lazy = WordNetDefinitions.Shared(path);
        Assert.False(lazy.IsValueCreated);
        Assert.Equal("Jupiter.", WordNetFactChecker.LoadOnFirstUse(path).Check("Which planet is the largest?", "Saturn.")?.CorrectedAnswer);
        Assert.True(lazy.IsValueCreated); // the knowledge source over the same file would find it loaded
    }

    [Fact]
    public void A_missing_file_is_a_format_error_naming_it()
    {
        var path = Path.Combine(_folder, "missing.txt.gz");
        var e = Assert.Throws<ModelFormatException>(() => WordNetFactChecker.LoadOnFirstUse(path));
        Assert.Contains("missing.txt.gz", e.Message);
    }

    [Fact]
    public void Questions_of_other_kinds_never_read_the_file()
    {
        var path = Path.Combine(_folder, "not-gzip.txt.gz");
        File.WriteAllText(path, "not a definitions file");
        var checker = WordNetFactChecker.LoadOnFirstUse(path);
        Assert.Null(checker.Check("How do I boil an egg?", "Boil it for nine minutes."));
        Assert.Throws<ModelFormatException>(() => checker.Check("Which planet is the largest?", "Saturn."));
    }
}
