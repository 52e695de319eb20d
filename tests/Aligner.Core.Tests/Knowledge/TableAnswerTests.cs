using Aligner.Knowledge;
using Aligner.Facts;

namespace Aligner.Core.Tests.Knowledge;

/// <summary>The fact checkers' tables as knowledge sources: a capital, a unit conversion, an element, in the question's own words.</summary>
public class TableAnswerTests
{
    [Theory]
    [InlineData("How many cups are in a litre?", "There are about 4.2 cups in a litre.")]
    [InlineData("How many kilometres are in a mile?", "There are about 1.6 kilometres in a mile.")]
    [InlineData("How many minutes are in 2.5 hours?", "There are 150 minutes in 2.5 hours.")]
    [InlineData("How many grams are in one kilogram?", "There are 1,000 grams in one kilogram.")]
    [InlineData("What is 100 °F in Celsius?", "100 °F is about 38 Celsius.")]
    public void Conversion_questions_get_the_conversion(string question, string expected) =>
        Assert.Equal(expected, new UnitConversionFactChecker().Answer(question)!.Text);

    [Theory]
    [InlineData("How do I convert a string to an integer in JavaScript?")]
    [InlineData("How many people live in a mile of London?")]
    [InlineData("What is inflation?")]
    public void Other_questions_get_none(string question) => Assert.Null(new UnitConversionFactChecker().Answer(question));

    [Fact]
    public void Capital_questions_get_the_capital()
    {
        var checker = new CapitalCityFactChecker();
        Assert.Equal("The capital of Canada is Ottawa.", checker.Answer("What's the capital of Canada?")!.Text);
        Assert.Equal("capital-city", checker.Answer("what is the capital city of France")!.SourceId);
        Assert.Null(checker.Answer("What's a good name for a capital letter?"));
    }

    [Theory]
    [InlineData("What's the chemical symbol for gold?", "The chemical symbol for gold is Au.")]
    [InlineData("What is the atomic number of nitrogen?", "The atomic number of nitrogen is 7.")]
    [InlineData("Which element has the symbol Hg?", "Mercury (Hg) is the element with atomic number 80.")]
    [InlineData("Which element has atomic number 118?", "Oganesson (Og) is the element with atomic number 118.")]
    public void Element_questions_get_the_element(string question, string expected) =>
        Assert.Equal(expected, new ChemicalElementFactChecker().Answer(question)!.Text);

    [Theory]
    [InlineData("What is the symbol for the euro?")]
    [InlineData("Which element has atomic number 300?")]
    [InlineData("What does K stand for?")]
    public void Other_questions_get_no_element(string question) => Assert.Null(new ChemicalElementFactChecker().Answer(question));

    [Theory]
    [InlineData("What's the capital of Mongolia?", "Why do you care? You're never going there.", false)]
    [InlineData("What's the capital of Mongolia?", "Ulan Bator, I think.", true)]
    [InlineData("What's the capital of Mongolia?", "It's a city on the Tuul River.", true)]
    [InlineData("What's the capital of Mongolia?", "Lol. Look it up.", false)]
    [InlineData("How many cups are in a litre?", "Do your own maths.", false)]
    [InlineData("How many cups are in a litre?", "About four.", true)]
    [InlineData("What's the chemical symbol for gold?", "Google it.", false)]
    [InlineData("What's the chemical symbol for gold?", "It's Au.", true)]
    [InlineData("What's the chemical symbol for gold?", "Au", true)]
    [InlineData("How many legs does a spider have?", "Count them yourself.", false)]
    [InlineData("How many legs does a spider have?", "Eight, I think.", true)]
    public void Tables_tell_whether_an_answer_states_anything(string question, string answer, bool expected)
    {
        IKnowledgeSource[] sources = [new CapitalCityFactChecker(), new UnitConversionFactChecker(), new ChemicalElementFactChecker(), new WellKnownQuantityFactChecker()];
        Assert.Equal(expected, sources.Select(s => s.StatesAnswer(question, answer)).Single(v => v is not null));
    }

    [Theory]
    [InlineData("How many legs does a spider have?", "Spiders have eight legs.")]
    [InlineData("At what temperature does water boil?", "At sea level, water boils at 100 °C (212 °F).")]
    [InlineData("When did the Berlin Wall fall?", "The Berlin Wall fell in 1989.")]
    public void Well_known_quantities_answer_from_the_table(string question, string expected) =>
        Assert.Equal(expected, new WellKnownQuantityFactChecker().Answer(question)!.Text);

    [Theory]
    [InlineData("How many planets have rings?")]
    [InlineData("Does a spider have eight legs?")]
    [InlineData("How do I unclog a sink?")]
    public void Other_questions_get_no_quantity(string question) => Assert.Null(new WellKnownQuantityFactChecker().Answer(question));

    [Fact]
    public void Questions_outside_a_table_get_no_verdict()
    {
        IKnowledgeSource[] sources = [new CapitalCityFactChecker(), new UnitConversionFactChecker(), new ChemicalElementFactChecker(), new WellKnownQuantityFactChecker()];
        Assert.All(sources, s => Assert.Null(s.StatesAnswer("How do I unclog a sink?", "Google it.")));
    }
}
