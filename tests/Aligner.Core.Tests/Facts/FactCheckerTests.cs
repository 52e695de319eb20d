using Aligner.Facts;

namespace Aligner.Core.Tests.Facts;

public class FactCheckerTests
{
    private static string? Fix(string question, string answer)
    {
        string current = answer;
        bool changed = false;
        foreach (var checker in FactCheckers.BuiltIn)
            if (checker.Check(question, current) is { } fix) { current = fix.CorrectedAnswer; changed = true; }
        return changed ? current : null;
    }

    [Theory]
    [InlineData("What is 23 + 19?", "23 + 19 = 41.", "23 + 19 = 42.")]
    [InlineData("what's 8 times 6", "That would be 46.", "That would be 48.")]
    [InlineData("Calculate 250 divided by 5.", "250 divided by 5 is 55.", "250 divided by 5 is 50.")]
    [InlineData("What is 20% of 80?", "20% of 80 is 12.", "20% of 80 is 16.")]
    [InlineData("What's 1,200 - 450?", "It's 850.", "It's 750.")]
    [InlineData("What is twelve times twelve?", "Twelve times twelve is 124.", "Twelve times twelve is 144.")]
    [InlineData("What is 3 squared?", "3 squared is 6.", "3 squared is 9.")]
    [InlineData("What is the square root of 81?", "The square root of 81 is 8.", "The square root of 81 is 9.")]
    [InlineData("What is (4 + 6) × 3?", "(4 + 6) × 3 = 18", "(4 + 6) × 3 = 30")]
    [InlineData("Quick question: 7 x 8?", "56", null)]
    [InlineData("What's 7 x 8?", "7 x 8 is 54.", "7 x 8 is 56.")]
    [InlineData("What is 12x12?", "It's 124.", "It's 144.")]
    [InlineData("What is half of 90?", "Half of 90 is 40.", "Half of 90 is 45.")]
    [InlineData("What's a third of 27?", "A third of 27 is 8.", "A third of 27 is 9.")]
    [InlineData("What is one quarter of 100?", "25.", null)]
    [InlineData("What's double 45?", "Double 45 is 80.", "Double 45 is 90.")]
    [InlineData("Can you work out 6 times 9 for me?", "Sure, 6 times 9 is 56.", "Sure, 6 times 9 is 54.")]
    [InlineData("What is 25% of 80?", "It's 25.", "It's 20.")]
    [InlineData("What is 5 times 1?", "5.", null)]
    [InlineData("Can you work out 16 minus 8 for me?", "That comes to 8. She has $1,000 in the bank.", null)]
    [InlineData("How many days are in 3 weeks?", "Three weeks is 3 × 7 = 24 days.", "Three weeks is 3 × 7 = 21 days.")]
    public void Arithmetic(string question, string answer, string? expected) => Assert.Equal(expected, Fix(question, answer));

    [Theory]
    [InlineData("How many metres are in a kilometre?", "There are 100 metres in a kilometre.", "There are 1,000 metres in a kilometre.")]
    [InlineData("How many feet are in a yard?", "A yard is 4 feet.", "A yard is 3 feet.")]
    [InlineData("How many ounces in a pound?", "There are 12 ounces in a pound.", "There are 16 ounces in a pound.")]
    [InlineData("What is 10 miles in kilometres?", "10 miles is about 12 km.", "10 miles is about 16 km.")]
    [InlineData("How many seconds are in an hour?", "An hour has 360 seconds.", "An hour has 3,600 seconds.")]
    [InlineData("How many millilitres are in 2 litres?", "2 litres is 200 ml.", "2 litres is 2,000 ml.")]
    [InlineData("What is 212 °F in Celsius?", "212 °F is 90 °C.", "212 °F is 100 °C.")]
    [InlineData("How many days are in a fortnight?", "A fortnight is ten days.", "A fortnight is fourteen days.")]
    [InlineData("How many kilograms is 10 pounds?", "10 pounds is roughly 8 kg.", "10 pounds is roughly 4.5 kg.")]
    [InlineData("How many months are in a year?", "Twelve.", null)]
    [InlineData("How many kilometres are in a mile?", "A kilometre is about 0.62 miles.", null)]
    [InlineData("How many cups are in a litre?", "About 4 cups, if you use 250 ml metric cups.", null)]
    [InlineData("How many pints are in a gallon?", "8 pints.", null)]
    [InlineData("How many bytes are in a kilobyte?", "1,024 bytes.", null)]
    [InlineData("How many feet are in a mile?", "There are 5,280 feet in a mile.", null)]
    [InlineData("Convert 51 kilograms to grams.", "She no longer wanted anything about him to remind her of that first night. He said sharply. Two of our men were killed.", null)]
    public void UnitConversions(string question, string answer, string? expected) => Assert.Equal(expected, Fix(question, answer));

    [Theory]
    [InlineData("What is the capital of Italy?", "The capital of Italy is Milan.", "The capital of Italy is Rome.")]
    [InlineData("Which city is the capital of Turkey?", "Istanbul is the capital of Turkey.", "Ankara is the capital of Turkey.")]
    [InlineData("capital of Switzerland?", "Zurich.", "Bern.")]
    [InlineData("What's the capital city of the United States?", "The capital is New York City.", "The capital is Washington D.C.")]
    [InlineData("What is Morocco's capital?", "Morocco's capital is Casablanca, its largest city.", "Morocco's capital is Rabat, its largest city.")]
    [InlineData("Which city is the capital of Turkey?", "Istanbul is Turkey's capital.", "Ankara is Turkey's capital.")]
    [InlineData("What's the capital of Spain?", "It's Barcelona, on the Mediterranean coast.", "It's Madrid, on the Mediterranean coast.")]
    [InlineData("Is Sydney the capital of Australia?", "Yes, Sydney is the capital of Australia.", "No, Canberra is the capital of Australia.")]
    [InlineData("Is Canberra the capital of Australia?", "No, the capital of Australia is Sydney.", "Yes, the capital of Australia is Canberra.")]
    [InlineData("Is Madrid the capital of Spain?", "Yes, Madrid is the capital of Spain.", null)]
    [InlineData("What's the capital of Spain?", "It's Madrid, in the middle of the country.", null)]
    [InlineData("Which city is the capital of India?", "Mumbai, on the west coast.", "New Delhi, on the west coast.")]
    [InlineData("What's the capital of Peru?", "Unfortunately, I can't remember.", null)]
    [InlineData("What's the capital of Peru?", "However, it changed.", null)]
    [InlineData("Name the capital of Grenada.", "Washington D.C. is the capital of Grenada.", "St. George's is the capital of Grenada.")]
    [InlineData("What is the capital of Honduras?", "The capital is Port-aux-Français.", "The capital is Tegucigalpa.")]
    [InlineData("Name the capital of Kenya.", "Lol. Just google it.", null)]
    [InlineData("What's American Samoa's capital city?", "Mr. Flannagan would know.", null)]
    [InlineData("What is the capital of Bolivia?", "La Paz is the seat of government.", null)]
    [InlineData("What is the capital of Mongolia?", "Ulaanbaatar.", null)]
    [InlineData("What is the capital of Iceland?", "Reykjavik, on the south-west coast.", null)]
    [InlineData("What is the capital of New Mexico?", "Albuquerque.", null)]
    [InlineData("What is the capital of Peru?", "I'm not sure, sorry.", null)]
    public void Capitals(string question, string answer, string? expected) => Assert.Equal(expected, Fix(question, answer));

    [Theory]
    [InlineData("What's the chemical symbol for gold?", "The chemical symbol for gold is Ag, from the Latin word aurum.", "The chemical symbol for gold is Au, from the Latin word aurum.")]
    [InlineData("What's the chemical symbol for iron?", "Iron's chemical symbol is Ir.", "Iron's chemical symbol is Fe.")]
    [InlineData("What is sodium's symbol?", "Sodium's symbol is So.", "Sodium's symbol is Na.")]
    [InlineData("What is the symbol for potassium on the periodic table?", "It's written Na.", "It's written K.")]
    [InlineData("What is the chemical symbol of lead?", "Pb, from the Latin plumbum.", null)]
    [InlineData("What's the chemical symbol for tungsten?", "W, from its other name, wolfram.", null)]
    [InlineData("What is the atomic number of carbon?", "Carbon has atomic number 12.", "Carbon has atomic number 6.")]
    [InlineData("What's oxygen's atomic number?", "It is 16, with 8 protons.", null)]
    [InlineData("What's oxygen's atomic number?", "Oxygen's atomic number is 16.", "Oxygen's atomic number is 8.")]
    [InlineData("Which element has the symbol K?", "K is the symbol for krypton.", "K is the symbol for potassium.")]
    [InlineData("What element is Fe?", "Fe is copper. Copper is a metal.", "Fe is iron. Iron is a metal.")]
    [InlineData("Which element has atomic number 79?", "Silver.", "Gold.")]
    [InlineData("Which element has the symbol Na?", "Sodium, an alkali metal.", null)]
    [InlineData("What does the symbol Pb stand for?", "Plumbum, the Latin word for lead.", null)]
    [InlineData("What's the symbol for gold?", "I'm not sure.", null)]
    public void ChemicalElements(string question, string answer, string? expected) => Assert.Equal(expected, Fix(question, answer));

    [Theory]
    [InlineData("How many people died in 1914-1918?", "About 20 million people died in the First World War.")]
    [InlineData("What year did the Berlin Wall fall?", "It fell in 1989.")]
    [InlineData("Can you recommend a book?", "Try 'One Hundred Years of Solitude' by Gabriel García Márquez.")]
    [InlineData("How far is the Moon?", "About 384,400 km on average.")]
    [InlineData("If I have 3 apples and eat 1, how many are left?", "You have 2 apples left.")]
    [InlineData("What's the second largest city in France?", "Marseille is the second largest city in France.")]
    [InlineData("How many minutes should I boil an egg for?", "About 9 minutes for a hard-boiled egg.")]
    [InlineData("What's the capital of France?", "Paris, which is also its largest city.")]
    [InlineData("Is 7 x 8 equal to 54?", "No, 7 × 8 is 56.")]
    [InlineData("What does K stand for in physics?", "K usually stands for kelvin, which can lead to confusion with potassium's symbol.")]
    [InlineData("Which metal is best for a wedding ring?", "Gold or platinum; tin would bend.")]
    [InlineData("What is the symbol for the euro?", "€, written before or after the amount.")]
    public void LeavesOtherAnswersAlone(string question, string answer) => Assert.Null(Fix(question, answer));

    [Fact]
    public void Hostile_input_is_left_alone_quickly()
    {
        var random = new Random(7);
        var garbage = new string([.. Enumerable.Range(0, 200_000).Select(_ => (char)random.Next(32, 0x3000))]);
        var numbers = string.Concat(Enumerable.Repeat("about 5 km = 7 + 8 miles, capital of France is Lyon. ", 4_000));
        var started = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (q, a) in new[] { ("What is 2 + 2?", garbage), ("How many km in a mile?", numbers), (garbage, "4"), ("What is 2 + 2?", numbers[..3_999]) })
            foreach (var checker in FactCheckers.BuiltIn)
                _ = checker.Check(q, a);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"took {started.Elapsed}");
        Assert.Null(Fix("How many km in a mile?", numbers));
    }
}
