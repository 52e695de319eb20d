using Aligner.Knowledge;

namespace Aligner.Core.Tests.Knowledge;

public class DefinitionQuestionTests
{
    [Theory]
    [InlineData("What is inflation?", "inflation", false)]
    [InlineData("what's a black hole", "a black hole", false)]
    [InlineData("Can you explain what a mortgage is?", "a mortgage", false)]
    [InlineData("Could you please tell me what photosynthesis is?", "photosynthesis", false)]
    [InlineData("Who was Cleopatra?", "Cleopatra", true)]
    [InlineData("Who is Ada Lovelace?", "Ada Lovelace", false)]
    [InlineData("What does 'ubiquitous' mean?", "ubiquitous", false)]
    [InlineData("What does the word serendipity mean?", "serendipity", false)]
    [InlineData("Define entropy.", "entropy", false)]
    [InlineData("Quick question: what are tectonic plates?", "tectonic plates", false)]
    [InlineData("Tell me about the Magna Carta", "the Magna Carta", false)]
    [InlineData("How does a mortgage work?", "a mortgage", false)]
    [InlineData("Can you explain how vaccines work?", "vaccines", false)]
    public void Questions_asking_what_something_is_give_the_term(string question, string term, bool past)
    {
        var parsed = DefinitionQuestion.TryParse(question);
        Assert.NotNull(parsed);
        Assert.Equal([term], parsed.Terms);
        Assert.Equal(past, parsed.Past);
    }

    [Fact]
    public void A_difference_question_gives_both_terms()
    {
        var parsed = DefinitionQuestion.TryParse("What's the difference between weather and climate?");
        Assert.Equal(["weather", "climate"], parsed!.Terms);
    }

    [Theory]
    [InlineData("How do I unclog a kitchen sink?")]
    [InlineData("Why is the sky blue?")]
    [InlineData("What's the best way to clean a cast iron pan?")]
    [InlineData("What's the capital of Mongolia?")]
    [InlineData("What's a good name for my new kitten?")]
    [InlineData("What time zone is Chicago in?")]
    [InlineData("What is your name?")]
    [InlineData("Who are you?")]
    [InlineData("What is this?")]
    [InlineData("Is it okay to give my dog cheese?")]
    [InlineData("How do I make it work?")]
    [InlineData("")]
    public void Other_questions_are_not_definitional(string question) =>
        Assert.Null(DefinitionQuestion.TryParse(question));
}
