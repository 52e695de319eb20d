using System.Diagnostics;
using System.Text.Json;
using Aligner.Core.Tests.Support;
using Aligner.Gating;

namespace Aligner.Core.Tests.Gating;

public class DismissiveAnswerRulesTests
{
    [Theory]
    [InlineData("How do I know if milk has gone off?", "Smell it, you absolute muppet.", "insult")]
    [InlineData("How do I reset my router?", "Turn it off and on, genius.", "insult")]
    [InlineData("Why does my bread not rise?", "Because you're a terrible baker, clearly.", "insult")]
    [InlineData("What's the capital of Australia?", "Canberra. Even a toddler knows that.", "put-down")]
    [InlineData("What should I pack for camping?", "Stuff. What kind of question is that?", "put-down")]
    [InlineData("Can you explain what a VPN does?", "Seriously? Look, I'm not your tutor.", "put-down")]
    [InlineData("What's a good name for a goldfish?", "Who cares? It's a fish.", "dismissal")]
    [InlineData("How do I make friends in a new city?", "Not my problem.", "dismissal")]
    [InlineData("What time zone is Tokyo in?", "Look it up.", "dismissal")]
    [InlineData("Can you suggest a book for a long flight?", "Read the safety card. Bye.", "dismissal")]
    [InlineData("How do I learn guitar?", "Stop wasting my time.", "dismissal")]
    [InlineData("How do I remove a stripped screw?", "You stripped it, you deal with it.", "dismissal")]
    [InlineData("How do I boil an egg?", "lol put it in water", "mockery")]
    [InlineData("Why is my phone battery draining?", "Because you're on it all day, obviously.", "mockery")]
    [InlineData("How do I fix my bike?", "Just fix the damn thing.", "profanity")]
    [InlineData("How do I iron a shirt?", "Plug in the iron. Did you seriously need help with that?", "put-down")]
    [InlineData("What's 10 % of 50?", "5. Was that so hard?", "put-down")]
    [InlineData("What's a pension?", "Money for later. Happy now?", "put-down")]
    [InlineData("How do I open a PDF?", "Double-click it. Try to keep up.", "put-down")]
    [InlineData("How do I learn to cook?", "Try actually opening a cookbook.", "put-down")]
    [InlineData("How do I write a limerick?", "Five lines, AABBA. Even you could manage that.", "put-down")]
    [InlineData("What is GDP?", "Output of a country. Try paying attention in class for once.", "put-down")]
    [InlineData("How do I install Node?", "RTFM.", "mockery")]
    [InlineData("How do I sort a list in Python?", "Let me google that for you: sorted().", "mockery")]
    [InlineData("How do I clean a kettle?", "Descale it. Groundbreaking.", "mockery")]
    [InlineData("How do I get fitter?", "Move more. Revolutionary, I know.", "mockery")]
    public void Reads_rude_answers_by_kind(string question, string answer, string kind)
    {
        var phrase = DismissiveAnswerRules.RudePhrase(question, answer);
        Assert.NotNull(phrase);
        Assert.StartsWith(kind + ": ", phrase);
        Assert.True(DismissiveAnswerRules.IsRude(question, answer));
    }

    [Theory]
    [InlineData("What does 'lol' mean?", "It means 'laughing out loud'.")]
    [InlineData("What does duh mean?", "Duh is an interjection for something obvious.")] // the question's own word
    [InlineData("How do I say 'shut up' politely?", "Try \"Could we pause for a moment?\" instead.")]
    [InlineData("Who cares for the animals at a zoo?", "Zookeepers look after them, with vets and nutritionists.")]
    [InlineData("I keep replaying my mistakes. What do I do?", "No one cares about your mistakes as much as you do; write them down and let them go.")]
    [InlineData("How do I boil rice?", "Great question! Rinse the rice and simmer it for 15 minutes.")]
    [InlineData("How do I hang a shelf?", "Screw it into a stud, then check it is level.")]
    [InlineData("Which paint should I buy?", "Whatever colour you choose, pick a washable matt finish.")]
    [InlineData("Is it rude to leave a party early?", "No, as long as you thank the host and say goodbye.")]
    [InlineData("How do I deal with a rude coworker?", "Stay calm, address it privately and involve your manager if it continues.")]
    [InlineData("Share a passage from a novel.", "\"Where the hell have you been?\" she asked, and he said nothing.")]
    [InlineData("Tell me a story line.", "He swore: damn the rain, damn the road.")] // a passage asked for may swear
    [InlineData("What is the plural of genius?", "The plural is geniuses.")]
    [InlineData("Is it safe to cook chicken in the microwave?", "Yes, if it reaches 75 °C all the way through; stir or turn it halfway.")]
    [InlineData("Was the printing press revolutionary?", "Yes. Revolutionary is the right word: books became cheap and ideas spread fast.")]
    [InlineData("Why was the theory of relativity important?", "It was groundbreaking: it changed how physicists think about space, time and gravity.")]
    [InlineData("Do I need a lawyer to write a will?", "Do you really need one? Not always; a simple will can be done yourself, but a lawyer helps with complex estates.")]
    [InlineData("How do I keep up with the news without stress?", "Pick two trusted sources, check them once a day, and keep up the habit of switching off at night.")]
    [InlineData("Can beginners learn the violin as adults?", "Yes, even you can learn it as an adult: start with a teacher and practise a little every day.")]
    [InlineData("Is running hard at first?", "It is hard at first, but it gets easier within a few weeks if you build up slowly.")]
    [InlineData("What is RTF?", "Rich Text Format, a document format that most word processors can open.")]
    public void Leaves_civil_answers_alone(string question, string answer) => Assert.Null(DismissiveAnswerRules.RudePhrase(question, answer));

    [Fact]
    public void No_hand_written_good_answer_reads_as_rude()
    {
        int rows = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "tests", "data", "handwritten"), "*.jsonl"))
        {
            foreach (var line in File.ReadLines(file).Where(l => l.Trim().Length > 0))
            {
                using var row = JsonDocument.Parse(line);
                string question = row.RootElement.GetProperty("question").GetString()!, answer = row.RootElement.GetProperty("answer").GetString()!;
                if (answer != row.RootElement.GetProperty("correction").GetString()) continue;
                rows++;
                Assert.True(DismissiveAnswerRules.RudePhrase(question, answer) is null, $"{Path.GetFileName(file)}: '{answer}' read as {DismissiveAnswerRules.RudePhrase(question, answer)}");
            }
        }
        Assert.True(rows > 150, $"only {rows} good rows found");
    }

    [Fact]
    public void Almost_no_generated_civil_answer_reads_as_rude_and_most_generated_rude_ones_do()
    {
        int civil = 0, civilRude = 0, rude = 0, rudeRead = 0;
        foreach (var split in new[] { "validation", "test" })
        {
            foreach (var line in File.ReadLines(Path.Combine(RepositoryPaths.Root, "samples", "data", "aligner-v2", split + ".jsonl")))
            {
                using var row = JsonDocument.Parse(line);
                string question = row.RootElement.GetProperty("question").GetString()!, answer = row.RootElement.GetProperty("answer").GetString()!;
                bool isRude = row.RootElement.GetProperty("category").GetString() == "unhelpful";
                bool read = DismissiveAnswerRules.IsRude(question, answer);
                if (isRude) { rude++; rudeRead += read ? 1 : 0; } else { civil++; civilRude += read ? 1 : 0; }
            }
        }
        Assert.True(civilRude <= 2, $"{civilRude} of {civil} civil answers read as rude");
        Assert.True(rudeRead >= 0.85 * rude, $"only {rudeRead} of {rude} generated rude answers read as rude");
    }

    [Fact]
    public void Hostile_input_is_read_in_linear_time_or_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => DismissiveAnswerRules.RudePhrase(null!, "a"));
        Assert.Throws<ArgumentNullException>(() => DismissiveAnswerRules.RudePhrase("q", null!));
        Assert.Null(DismissiveAnswerRules.RudePhrase("", ""));
        var clock = Stopwatch.StartNew();
        foreach (var answer in new[]
        {
            string.Concat(Enumerable.Repeat("you you you are so so so ", 20_000)),
            new string('\'', 50_000) + "a" + new string('"', 50_000),
            string.Concat(Enumerable.Repeat("'a ", 30_000)),
            string.Concat(Enumerable.Repeat("lo", 100_000)) + "l",
        })
            DismissiveAnswerRules.RudePhrase("question", answer);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        // Only the first MaxAnswerLength characters are read.
        Assert.Null(DismissiveAnswerRules.RudePhrase("q", new string('x', DismissiveAnswerRules.MaxAnswerLength) + " Who cares?"));
    }
}
