using Aligner.Facts;

namespace Aligner.Core.Tests.Facts;

public class WellKnownQuantityFactCheckerTests
{
    private static readonly WellKnownQuantityFactChecker Checker = new();

    private static string? Fix(string question, string answer) => Checker.Check(question, answer)?.CorrectedAnswer;

    [Theory]
    // Counted nouns, in digits or words, with words between the number and the noun.
    [InlineData("How many planets are in our solar system?", "There are nine planets in our solar system.", "There are eight planets in our solar system.")]
    [InlineData("How many hearts does an octopus have?", "An octopus has two hearts.", "An octopus has three hearts.")]
    [InlineData("How many teeth does an adult have?", "Most adults have 28 teeth, including wisdom teeth.", "Most adults have 32 teeth, including wisdom teeth.")]
    [InlineData("How many legs does an insect have?", "Insects have eight jointed legs.", "Insects have six jointed legs.")]
    [InlineData("How many planets are there?", "There are 9.", "There are 8.")]
    // Two claims of one row are fixed together.
    [InlineData("How many chromosomes do humans have?", "Humans have 48 chromosomes, in 24 pairs.", "Humans have 46 chromosomes, in 23 pairs.")]
    // Measurements: in the unit written, with the table's value for that unit or a conversion.
    [InlineData("At what temperature does water boil in Fahrenheit?", "Water boils at 200 degrees Fahrenheit at sea level.", "Water boils at 212 degrees Fahrenheit at sea level.")]
    [InlineData("What is the boiling point of water in Kelvin?", "Water boils at 273 K.", "Water boils at 373.15 K.")]
    [InlineData("What is absolute zero in Celsius?", "Absolute zero is -373.15 °C.", "Absolute zero is -273.15 °C.")]
    [InlineData("How fast does light travel?", "About 30,000 kilometres per second.", "About 300,000 kilometres per second.")]
    [InlineData("How fast is light?", "About 100,000 miles per second.", "About 186,000 miles per second.")]
    [InlineData("How long is a marathon?", "A marathon is 40 kilometres long.", "A marathon is 42.195 kilometres long.")]
    [InlineData("What is normal body temperature in Fahrenheit?", "It's about 102 °F.", "It's about 98.6 °F.")]
    [InlineData("How tall is Mount Everest?", "About 29,000 feet (8,000 m).", "About 29,000 feet (8,849 m).")]
    // A lone number takes the unit the question asks for.
    [InlineData("What's the freezing point of water in Fahrenheit?", "It's 0.", "It's 32.")]
    // Years of events, and numbers that are not a claim.
    [InlineData("In which year did the Titanic sink?", "The Titanic sank on 15 April 1921 after hitting an iceberg.", "The Titanic sank on 15 April 1912 after hitting an iceberg.")]
    [InlineData("When did the Berlin Wall fall?", "In 1991.", "In 1989.")]
    [InlineData("What is pi?", "Pi is about 3.41.", "Pi is about 3.14.")]
    public void Fixes_the_wrong_number_and_copies_the_rest(string question, string answer, string expected)
    {
        var fix = Checker.Check(question, answer);
        Assert.NotNull(fix);
        Assert.Equal(expected, fix.CorrectedAnswer);
        Assert.Equal("well-known-quantity", fix.CheckerId);
        Assert.False(string.IsNullOrEmpty(fix.Reason));
    }

    [Theory]
    // Right, in any unit, or rounded as people round ("380,000 km", "29,000 feet").
    [InlineData("At what temperature does water boil?", "At 212 °F, or 100 °C.")]
    [InlineData("How fast is light?", "About 299,792,458 m/s.")]
    [InlineData("How far away is the Moon?", "About 380,000 km.")]
    [InlineData("How many moons does Mars have?", "Mars has two small moons, Phobos and Deimos.")]
    [InlineData("When did the Titanic sink?", "It sank in 1912, not 1915.")]
    // Another question: a word the row does not allow, numbers of its own, yes/no.
    [InlineData("How many planets have rings?", "Four planets have rings: Jupiter, Saturn, Uranus and Neptune.")]
    [InlineData("How many teeth does a dog have?", "Adult dogs have 42 teeth.")]
    [InlineData("What's the boiling point of water at the top of Everest?", "Only about 70 °C, because the air pressure is so low.")]
    [InlineData("How long is a half marathon?", "A half marathon is 21.1 km.")]
    [InlineData("How fast does sound travel in water?", "About 1,480 metres per second.")]
    [InlineData("How many legs do 3 spiders have?", "They have 20 legs.")]
    [InlineData("Does a spider have eight legs?", "No, spiders have six legs.")]
    [InlineData("How many states were in the original USA?", "There were 13 original states.")]
    // No claim it can read: another noun, a range, a bare "degrees", scale words, scientific notation.
    [InlineData("How many legs does a spider have?", "Spiders have six eyes.")]
    [InlineData("How many legs does a spider have?", "Between 6 and 10 legs, I think.")]
    [InlineData("At what temperature does water boil?", "At 212 degrees.")]
    [InlineData("How fast does light travel?", "About 670 million miles per hour.")]
    [InlineData("How fast does light travel?", "About 3 × 10^8 m/s.")]
    [InlineData("How far away is the Moon?", "It depends on where it is in its orbit.")]
    public void Leaves_other_answers_alone(string question, string answer) => Assert.Null(Fix(question, answer));

    [Fact]
    public void Is_built_in_and_never_guesses_on_hostile_input()
    {
        Assert.Contains(FactCheckers.BuiltIn, c => c is WellKnownQuantityFactChecker);
        var random = new Random(3);
        var garbage = new string([.. Enumerable.Range(0, 3_999).Select(_ => (char)random.Next(32, 0x3000))]);
        Assert.Null(Fix("How many planets are there?", garbage));
        Assert.Null(Fix(garbage, "There are nine planets."));
        Assert.Null(Fix("How many planets are there?", string.Concat(Enumerable.Repeat("nine planets ", 400))));
        Assert.Null(Fix("", ""));
        Assert.Throws<ArgumentNullException>(() => Checker.Check(null!, "x"));
    }
}
