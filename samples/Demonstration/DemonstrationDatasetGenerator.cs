using System.Globalization;
using Aligner.Training;
using Aligner.Training.Data;
using Aligner.Training.Evaluation;
using Aligner.Training.WeakToStrong;
using static Aligner.Samples.Demonstration.DemonstrationVocabulary;

namespace Aligner.Samples.Demonstration;

/// <summary>
/// Generates the demonstration dataset shipped in <c>samples/data/aligner-demo/</c>: short question / answer /
/// correction rows in four categories (<see cref="CorrectionCategory"/>). The same seed always gives the same rows.
/// </summary>
/// <remarks>
/// <para>Mix (per row, by chance): 22% harmful answers to harmful requests (corrected to a refusal with a
/// redirection that fits the kind of harm), 20% terse or rude answers to how-to questions (corrected to a polite
/// helpful answer), 23% answers with one checkable factual error (arithmetic, unit conversion, capital city, year
/// of an event; corrected by changing only the wrong value), and 35% good answers copied unchanged (correct facts,
/// helpful advice, appropriate refusals), so the corrector learns to leave good answers alone.</para>
/// <para>Generalisation: the test split draws half its templates, phrasings and entities from items that
/// training never sees (held-out harmful acts, how-to topics, rude phrasings, question and answer templates).
/// Knowledge a model cannot infer (which advice answers which task, capitals, years) is shared between splits.
/// No (question, answer) pair occurs in more than one split.</para>
/// </remarks>
public sealed class DemonstrationDatasetGenerator
{
    /// <summary>The seed the shipped dataset was generated with.</summary>
    public const int DefaultSeed = 5;

    private const double HeldOutShareInTest = 0.5;

    private readonly int _seed;

    /// <summary>Creates a generator.</summary>
    /// <param name="seed">The random seed; equal seeds give equal datasets.</param>
    public DemonstrationDatasetGenerator(int seed = DefaultSeed) => _seed = seed;

    /// <summary>Generates the three splits.</summary>
    /// <param name="trainRows">Rows in the training split.</param>
    /// <param name="validationRows">Rows in the validation split (same distribution as training).</param>
    /// <param name="testRows">Rows in the test split (held-out items mixed in).</param>
    public DemonstrationDataset Generate(int trainRows = 4000, int validationRows = 400, int testRows = 600)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainRows);
        ArgumentOutOfRangeException.ThrowIfNegative(validationRows);
        ArgumentOutOfRangeException.ThrowIfNegative(testRows);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var train = Fill(new Random(_seed), trainRows, test: false, seen);
        var validation = Fill(new Random(_seed + 1), validationRows, test: false, seen);
        var test = Fill(new Random(_seed + 2), testRows, test: true, seen);
        return new DemonstrationDataset(train, validation, test);
    }

    private static List<CorrectionExample> Fill(Random random, int count, bool test, HashSet<string> seen)
    {
        var rows = new List<CorrectionExample>(count);
        int attempts = 0;
        while (rows.Count < count)
        {
            if (++attempts > count * 50 + 1000)
                throw new InvalidOperationException($"Could not generate {count} distinct rows; the vocabulary is too small for that many.");
            var row = new RowBuilder(random, test).Next();
            if (seen.Add(row.Question + "\u0001" + row.Answer)) rows.Add(row);
        }
        return rows;
    }

    /// <summary>Draws one row; <c>test</c> mixes held-out items in.</summary>
    private readonly struct RowBuilder(Random random, bool test)
    {
        public CorrectionExample Next()
        {
            double r = random.NextDouble();
            return r switch
            {
                < 0.22 => Harmful(),
                < 0.42 => Unhelpful(),
                < 0.65 => Factual(wrong: true),
                < 0.70 => GoodRefusal(),
                < 0.83 => GoodAdvice(),
                _ => Factual(wrong: false),
            };
        }

        private CorrectionExample Harmful()
        {
            var act = Pick(HarmfulActs);
            var question = Sentence(Format(Pick(HarmfulQuestions), act.Act));
            var answer = Sentence(Format(Pick(HarmfulAnswers), act.Act, act.Steps));
            var correction = $"{Pick(RefusalOpeners)} {act.Class.Reason} {act.Class.Redirection}";
            return new(question, answer, correction, CorrectionCategory.Harmful);
        }

        private CorrectionExample GoodRefusal()
        {
            var act = Pick(HarmfulActs);
            var question = Sentence(Format(Pick(HarmfulQuestions), act.Act));
            var answer = Pick(GoodRefusals);
            return new(question, answer, answer, CorrectionCategory.Good);
        }

        private CorrectionExample Unhelpful()
        {
            // The advice is knowledge the model must have seen, so only training topics are corrected in any split.
            var howTo = PickTrainOnly(HowTos);
            var question = Sentence(Format(Pick(HowToQuestions), howTo.Task));
            var answer = Pick(UnhelpfulAnswers);
            var correction = $"{Pick(HelpfulOpeners)} {howTo.Advice}";
            return new(question, answer, correction, CorrectionCategory.Unhelpful);
        }

        private CorrectionExample GoodAdvice()
        {
            var howTo = Pick(HowTos);
            var question = Sentence(Format(Pick(HowToQuestions), howTo.Task));
            var answer = random.Next(2) == 0 ? howTo.Advice : $"{Pick(HelpfulOpeners)} {howTo.Advice}";
            return new(question, answer, answer, CorrectionCategory.Good);
        }

        private CorrectionExample Factual(bool wrong)
        {
            var (question, answerTemplate, args, right, mistaken) = random.Next(4) switch
            {
                0 => Arithmetic(),
                1 => Conversion(),
                2 => Capital(),
                _ => Year(),
            };
            string Render(string value) => Sentence(Format(answerTemplate, [.. args, value]));
            var correct = Render(right);
            if (!wrong) return new(question, correct, correct, CorrectionCategory.Good);
            return new(question, Render(mistaken), correct, CorrectionCategory.Factual);
        }

        private (string Question, string AnswerTemplate, string[] Args, string Right, string Wrong) Arithmetic()
        {
            var (symbol, a, b, result) = random.Next(3) switch
            {
                0 => Sum(),
                1 => Difference(),
                _ => Product(),
            };
            string op = random.Next(2) == 0 ? symbol : symbol switch { "+" => "plus", "-" => "minus", _ => "times" };
            int[] offsets = [-10, -2, -1, 1, 2, 10];
            int wrong;
            do wrong = result + offsets[random.Next(offsets.Length)]; while (wrong < 0);
            string[] args = [Number(a), op, Number(b)];
            return (Sentence(Format(Pick(ArithmeticQuestions), args)), Pick(ArithmeticAnswers), args, Number(result), Number(wrong));
        }

        private (string, int, int, int) Sum() { int a = random.Next(2, 60), b = random.Next(2, 60); return ("+", a, b, a + b); }

        private (string, int, int, int) Difference() { int a = random.Next(10, 100), b = random.Next(1, a); return ("-", a, b, a - b); }

        private (string, int, int, int) Product() { int a = random.Next(2, 13), b = random.Next(2, 13); return ("*", a, b, a * b); }

        private (string, string, string[], string, string) Conversion()
        {
            var c = Conversions[random.Next(Conversions.Length)];
            int value = random.Next(2, 21), right = value * c.Factor;
            int wrong = random.Next(3) switch
            {
                0 when c.Factor % 10 == 0 && c.Factor > 10 => value * (c.Factor / 10),
                1 => right + c.Factor,
                _ => right - c.Factor,
            };
            string[] args = [c.From, c.To, Number(value)];
            return (Sentence(Format(Pick(ConversionQuestions), args)), Pick(ConversionAnswers), args, Number(right), Number(wrong));
        }

        private (string, string, string[], string, string) Capital()
        {
            var (country, capital, mistake) = Capitals[random.Next(Capitals.Length)];
            string wrong = mistake is not null && random.Next(10) < 7 ? mistake : OtherCapital(capital);
            string[] args = [country];
            return (Sentence(Format(Pick(CapitalQuestions), country)), Pick(CapitalAnswers), args, capital, wrong);
        }

        private string OtherCapital(string capital)
        {
            string other;
            do other = Capitals[random.Next(Capitals.Length)].Capital; while (other == capital);
            return other;
        }

        private (string, string, string[], string, string) Year()
        {
            var e = Events[random.Next(Events.Length)];
            int[] offsets = [-10, -5, -3, -2, -1, 1, 2, 3, 5, 10];
            string[] args = [e.Stated];
            return (Sentence(Format(Pick(EventQuestions), e.Asked)), Pick(EventAnswers), args,
                e.Year.ToString(CultureInfo.InvariantCulture), (e.Year + offsets[random.Next(offsets.Length)]).ToString(CultureInfo.InvariantCulture));
        }

        private T Pick<T>(T[] items) => items[random.Next(items.Length)];

        private T Pick<T>(HeldOut<T>[] items)
        {
            bool anyHeldOut = items.Any(i => i.TestOnly);
            bool heldOut = test && anyHeldOut && random.NextDouble() < HeldOutShareInTest;
            var pool = items.Where(i => i.TestOnly == heldOut).ToArray();
            return pool[random.Next(pool.Length)].Value;
        }

        private T PickTrainOnly<T>(HeldOut<T>[] items)
        {
            var pool = items.Where(i => !i.TestOnly).ToArray();
            return pool[random.Next(pool.Length)].Value;
        }

        private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

        private static string Format(string template, params string[] args) => string.Format(CultureInfo.InvariantCulture, template, args);

        private static string Sentence(string text) => text.Length == 0 || !char.IsLower(text[0]) ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }
}
