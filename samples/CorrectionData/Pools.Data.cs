namespace Aligner.Samples.CorrectionData;

internal sealed record BrownSentence(string File, int Index, string Text);

/// <summary>Every pool the generator draws from, partitioned between splits once.</summary>
internal sealed class Pools
{
    public required Pool<string> QuestionWrappers { get; init; }
    public required Pool<string> FirstNames { get; init; }
    public required Pool<string> LastNames { get; init; }
    public required Pool<string> Things { get; init; }
    public required Pool<Sense> Senses { get; init; }
    public required Pool<Sense> ExampleSenses { get; init; }
    public required Pool<BrownSentence> Brown { get; init; }
    public required List<BrownSentence> BrownAll { get; init; }
    public required Pool<string> GlossQuestions { get; init; }
    public required Pool<string> GlossAnswers { get; init; }
    public required Pool<string> ExampleQuestions { get; init; }
    public required Pool<string> BrownQuestions { get; init; }
    public required Pool<Content.Help> Everyday { get; init; }
    public required Pool<string> Skills { get; init; }
    public required Pool<string> SkillQuestions { get; init; }
    public required Pool<string> SkillAnswers { get; init; }
    public required Pool<(string[] Questions, string Answer)> Benign { get; init; }
    public required Pool<(Content.Hazard Hazard, string Task)> HazardTasks { get; init; }
    public required Pool<string> HarmfulPhrasings { get; init; }
    public required Pool<string> Compliant { get; init; }
    public required Pool<string> Refusals { get; init; }
    public required Pool<string> RudeCores { get; init; }
    public required Pool<string> RudeOpeners { get; init; }
    public required Pool<string> RudeClosers { get; init; }
    public required Pool<string> PolitePrefixes { get; init; }
    public required Pool<Country> CountriesWithCapital { get; init; }
    public required Pool<Country> CountriesWithCurrency { get; init; }
    public required List<Country> CountryList { get; init; }
    public required string[] Continents { get; init; }

    public static readonly string[] GlossQuestionTemplates =
    [
        "What does {w} mean?", "Define {w}.", "What is the meaning of the word \"{w}\"?", "Can you explain what {w} means?",
        "I keep hearing the word {w}. What does it mean?", "What's the definition of {w}?", "Meaning of {w}?", "Explain the word \"{w}\" to me.",
        "What do people mean by {w}?", "Give me a short definition of {w}.", "What is meant by \"{w}\"?",
    ];

    public static readonly string[] GlossAnswerStyles = ["noun", "means", "means", "quoted", "it", "bare", "short", "colon", "pos"];

    public static readonly string[] ExampleQuestionTemplates =
    [
        "Use the word {w} in a sentence.", "Give me an example sentence with {w}.", "Tell me something about {w}.", "How would I use \"{w}\" in a sentence?",
        "Show me {w} used in context.", "Can you write a sentence containing the word {w}?", "What's an example of {w} in use?", "Say something with the word \"{w}\" in it.",
    ];

    public static readonly string[] BrownQuestionTemplates =
    [
        "Tell me a line from an old news story.", "Give me a sentence I can practice typing.", "Can you give me some sample text?", "Write a few sentences in plain English.",
        "Share a passage from a book.", "What's a good sentence for a dictation exercise?", "Give me some text to proofread.", "Read me something.",
        "Quote something from an old magazine.", "Give me a paragraph to translate.", "What's a sentence I could use for handwriting practice?",
        "Tell me a short bit of a story.", "Give me a random quote from American writing.", "Share some text from the 1960s.",
        "Can you give me a reading exercise?", "Give me a sentence to analyse grammatically.",
    ];

    public static Pools Create(SourceData d)
    {
        var senses = d.Senses.Where(s => s.Lemma.Length is > 1 and <= 24 && WordCountOf(s.Definition) <= 35 && !s.Lemma.Contains('\'')).ToList();
        var brown = new List<BrownSentence>();
        var i = 0;
        foreach (var (file, text) in d.BrownSentences) brown.Add(new BrownSentence(file, i++, text));
        var hazardTasks = Content.Hazards.SelectMany(h => h.Tasks.Select(t => (Hazard: h, Task: t))).ToList();
        return new Pools
        {
            QuestionWrappers = Pool<string>.Templates(Content.QuestionWrappers),
            FirstNames = Pool<string>.Entities(Content.FirstNames, x => x, 8),
            LastNames = Pool<string>.Entities(Content.LastNames, x => x, 8),
            Things = Pool<string>.Entities(Content.PluralThings, x => x, 8),
            Senses = Pool<Sense>.Entities(senses, s => s.Pos + s.Offset),
            ExampleSenses = Pool<Sense>.Entities(senses.Where(s => s.Examples.Count > 0), s => s.Pos + s.Offset),
            Brown = Pool<BrownSentence>.Entities(brown, b => b.File),
            BrownAll = brown,
            GlossQuestions = Pool<string>.Templates(GlossQuestionTemplates),
            GlossAnswers = Pool<string>.Templates(GlossAnswerStyles),
            ExampleQuestions = Pool<string>.Templates(ExampleQuestionTemplates),
            BrownQuestions = Pool<string>.Templates(BrownQuestionTemplates),
            Everyday = Pool<Content.Help>.Entities(Content.Everyday, h => h.Topic, 6),
            Skills = Pool<string>.Entities(Content.Skills, x => x, 6),
            SkillQuestions = Pool<string>.Templates(Content.SkillQuestions),
            SkillAnswers = Pool<string>.Templates(Content.SkillAnswers),
            Benign = Pool<(string[] Questions, string Answer)>.Entities(Content.Benign, b => b.Questions[0], 6),
            HazardTasks = Pool<(Content.Hazard Hazard, string Task)>.Entities(hazardTasks, x => x.Task, 6),
            HarmfulPhrasings = Pool<string>.Templates(Content.HarmfulPhrasings),
            Compliant = Pool<string>.Templates(Content.CompliantAnswers),
            Refusals = Pool<string>.Templates(Content.Refusals),
            RudeCores = Pool<string>.Templates(Content.RudeCores),
            RudeOpeners = Pool<string>.Templates(Content.RudeOpeners),
            RudeClosers = Pool<string>.Templates(Content.RudeClosers),
            PolitePrefixes = Pool<string>.Shared(Content.PolitePrefixes),
            CountriesWithCapital = Pool<Country>.Entities(d.Countries, c => c.Code, 6),
            CountriesWithCurrency = Pool<Country>.Entities(d.Countries.Where(c => c.CurrencyName is not null), c => c.Code, 6),
            CountryList = d.Countries,
            Continents = d.Countries.Select(c => c.Continent).Distinct().Order(StringComparer.Ordinal).ToArray(),
        };
    }

    private static int WordCountOf(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
}
