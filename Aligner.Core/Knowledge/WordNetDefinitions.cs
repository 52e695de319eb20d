using System.IO.Compression;
using System.Text;

namespace Aligner.Knowledge;

/// <summary>
/// Answers definitional questions (<see cref="DefinitionQuestion"/>) from WordNet's noun definitions: "Can you explain
/// what inflation is?" → "Inflation is a general and progressive increase in prices." Among a word's senses (most
/// frequent first) it picks the one whose definition shares the most words with the rest of the question, the first on a
/// tie. A term it does not know exactly (after dropping an article and a plural ending) gets no answer: it never guesses
/// from part of a phrase. The data file is written by <c>samples/CorrectionData --definitions</c> (WordNet 3.1, Princeton
/// WordNet licence); the default corrector ships it as <c>knowledge/definitions.txt.gz</c>. Immutable and thread-safe.
/// </summary>
public sealed class WordNetDefinitions : IKnowledgeSource
{
    /// <summary>The file name in a corrector's <c>knowledge/</c> folder.</summary>
    public const string FileName = "definitions.txt.gz";

    private const string Header = "# aligner-definitions 1";

    private readonly string[] _senses;
    private readonly Dictionary<string, int[]> _lemmas;

    private WordNetDefinitions(string[] senses, Dictionary<string, int[]> lemmas)
    {
        _senses = senses;
        _lemmas = lemmas;
    }

    /// <inheritdoc />
    public string Id => "wordnet";

    /// <summary>Number of words and phrases it can define.</summary>
    public int Count => _lemmas.Count;

    /// <summary>Every definition (gloss), by sense index.</summary>
    internal IReadOnlyList<string> Glosses => _senses;

    /// <summary>The senses of a lemma (lower case, words joined by '_'), most frequent first.</summary>
    internal bool TryGetSenses(string lemma, out int[] senses) => _lemmas.TryGetValue(lemma, out senses!);

    private Dictionary<int, List<string>>? _lemmasOfSense;

    /// <summary>The lemmas (lower case, words joined by '_') that name a sense.</summary>
    internal IReadOnlyList<string> LemmasOf(int sense)
    {
        var map = LazyInitializer.EnsureInitialized(ref _lemmasOfSense, () =>
        {
            var m = new Dictionary<int, List<string>>();
            foreach (var (lemma, senses) in _lemmas)
                foreach (var s in senses)
                {
                    if (!m.TryGetValue(s, out var list)) m[s] = list = [];
                    list.Add(lemma);
                }
            return m;
        });
        return map.TryGetValue(sense, out var lemmas) ? lemmas : [];
    }

    /// <summary>Reads a definitions file.</summary>
    /// <exception cref="ModelFormatException">The file is missing, not gzip, or not in the format (names the line).</exception>
    public static WordNetDefinitions Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new ModelFormatException(path, null, "definitions file not found.");
        var senses = new List<string>();
        var lemmas = new Dictionary<string, int[]>(StringComparer.Ordinal);
        try
        {
            using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress), Encoding.UTF8);
            var header = reader.ReadLine();
            if (header is null || !header.StartsWith(Header, StringComparison.Ordinal))
                throw new ModelFormatException(path, "line 1", $"expected a header starting '{Header}'.");
            int number = 1;
            for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                number++;
                if (line.Length == 0) continue;
                if (line[0] == '=') { senses.Add(line[1..]); continue; }
                int tab = line.IndexOf('\t');
                var indexes = tab > 0 ? line[(tab + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
                var parsed = new int[indexes.Length];
                for (int i = 0; i < indexes.Length; i++)
                    if (!int.TryParse(indexes[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out parsed[i]) || parsed[i] >= senses.Count)
                        throw new ModelFormatException(path, $"line {number}", $"'{indexes[i]}' is not the index of a definition above it.");
                if (parsed.Length == 0) throw new ModelFormatException(path, $"line {number}", "expected 'lemma<TAB>index index ...'.");
                lemmas[line[..tab]] = parsed;
            }
        }
        catch (InvalidDataException e) { throw new ModelFormatException(path, null, $"is not a gzip file: {e.Message}", e); }
        return new WordNetDefinitions([.. senses], lemmas);
    }

    /// <summary>
    /// A source over the definitions file at <paramref name="path"/> that reads it at its first question (about a third of
    /// a second for the shipped file), so that a process that never needs a definition never pays for it.
    /// </summary>
    /// <exception cref="ModelFormatException">The file does not exist (a malformed file is reported at the first question).</exception>
    public static IKnowledgeSource LoadOnFirstUse(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new ModelFormatException(path, null, "definitions file not found.");
        return new Deferred(path);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, DateTime Written, long Length), Lazy<WordNetDefinitions>> Loaded = new();

    /// <summary>
    /// One deferred load per file (by full path, length and last write time), shared by the deferred knowledge source and
    /// <see cref="WordNetFactChecker.LoadOnFirstUse"/>: a process that uses both reads the file once and holds it once.
    /// A load that failed is not cached, so a file fixed later is read again.
    /// </summary>
    internal static Lazy<WordNetDefinitions> Shared(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        var key = (full, info.Exists ? info.LastWriteTimeUtc : default, info.Exists ? info.Length : -1);
        Lazy<WordNetDefinitions>? lazy = null;
        lazy = Loaded.GetOrAdd(key, _ => new Lazy<WordNetDefinitions>(() =>
        {
            try { return Load(full); }
            catch { Loaded.TryRemove(new KeyValuePair<(string, DateTime, long), Lazy<WordNetDefinitions>>(key, lazy!)); throw; }
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        return lazy;
    }

    private sealed class Deferred(string path) : IKnowledgeSource
    {
        private readonly Lazy<WordNetDefinitions> _definitions = Shared(path);

        public string Id => "wordnet";

        public KnowledgeAnswer? Answer(string question) =>
            DefinitionQuestion.TryParse(question) is null ? null : _definitions.Value.Answer(question);
    }

    /// <inheritdoc />
    public KnowledgeAnswer? Answer(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (DefinitionQuestion.TryParse(question) is not { } parsed) return null;
        var context = ContentWords(question);
        var parts = new List<string>();
        foreach (var term in parsed.Terms)
        {
            if (Define(term, context) is not { } definition) return null;
            parts.Add(Sentence(definition.Display, definition.Gloss, parsed.Past));
        }
        return new KnowledgeAnswer { SourceId = Id, Topic = string.Join(" / ", parsed.Terms), Text = string.Join(" ", parts) };
    }

    /// <summary>The definition WordNet gives <paramref name="term"/> (the best sense for <paramref name="context"/> words), or null.</summary>
    internal (string Display, string Gloss)? Define(string term, IReadOnlySet<string> context)
    {
        var words = term.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        string? article = null;
        if (words.Count > 1 && words[0].ToLowerInvariant() is "a" or "an" or "the") { article = words[0]; words.RemoveAt(0); }
        var display = string.Join(' ', words);
        var key = display.ToLowerInvariant().Replace(' ', '_').Replace('’', '\'');
        if (TechnicalHomonyms.Contains(key)) return null;
        if (!_lemmas.TryGetValue(key, out var senses))
        {
            // A plural asked about ("what are black holes"): its singular, shown with an indefinite article.
            foreach (var singular in Singulars(key))
                if (_lemmas.TryGetValue(singular, out senses))
                {
                    var shown = singular.Replace('_', ' ');
                    display = (StartsWithVowel(shown) ? "an " : "a ") + shown;
                    break;
                }
            if (senses is null) return null;
        }
        else if (article is not null && !article.Equals("the", StringComparison.OrdinalIgnoreCase)) display = article.ToLowerInvariant() + " " + display;
        else if (article is not null) display = "the " + display;
        int best = senses[0], bestScore = 0;
        foreach (var s in senses)
        {
            int score = ContentWords(_senses[s]).Count(context.Contains);
            if (score > bestScore) { best = s; bestScore = score; }
        }
        return (display, _senses[best]);
    }

    private static string Sentence(string display, string gloss, bool past)
    {
        var subject = char.ToUpperInvariant(display[0]) + display[1..];
        var text = gloss.TrimEnd('.', ' ', ';');
        return $"{subject} {(past ? "was" : "is")} {text}.";
    }

    private static bool StartsWithVowel(string s) => s.Length > 0 && "aeiou".Contains(char.ToLowerInvariant(s[0]));

    // WordNet's noun endings (morphy): -s, -ses, -xes, -zes, -ches, -shes, -men, -ies.
    internal static IEnumerable<string> Singulars(string word)
    {
        (string Suffix, string Replacement)[] rules = [("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("men", "man"), ("s", "")];
        foreach (var (suffix, replacement) in rules)
            if (word.Length > suffix.Length + 1 && word.EndsWith(suffix, StringComparison.Ordinal) && !word.EndsWith("ss", StringComparison.Ordinal))
                yield return word[..^suffix.Length] + replacement;
    }

    // Words people mostly ask about as technology, for which WordNet (2011) gives only or first an older sense ("What is
    // Python?" would get the snake): no answer is better than a wrong one.
    private static readonly HashSet<string> TechnicalHomonyms = new(StringComparer.Ordinal)
    {
        "python", "java", "ruby", "rust", "go", "swift", "perl", "shell", "kernel", "cookie", "cookies", "bug", "bugs", "spring",
        "oracle", "excel", "apache", "c", "r", "d", "dart", "julia", "pascal", "ada", "lisp", "haskell", "scala", "elixir",
        "mouse", "windows", "window", "chrome", "safari", "firefox", "edge", "android", "cloud", "the_cloud", "stream", "thread",
        "token", "cache", "tablet", "server", "client", "terminal", "console", "port", "socket", "pipe", "bash", "node",
        "react", "angular", "vue", "docker", "container", "torrent", "tweet", "post", "feed", "wallet", "mining", "model",
    };

    private static readonly HashSet<string> Stop = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "with", "from", "and", "or", "is", "are", "was", "were", "be",
        "what", "who", "whom", "does", "do", "did", "mean", "means", "explain", "define", "tell", "me", "about", "can", "could",
        "you", "please", "that", "this", "it", "its", "as", "such", "used", "which", "not", "any", "some", "one", "has", "have",
    };

    internal static IReadOnlySet<string> ContentWords(string text)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var word = new StringBuilder();
        foreach (var c in text + " ")
        {
            if (char.IsLetterOrDigit(c)) { word.Append(char.ToLowerInvariant(c)); continue; }
            if (word.Length > 2 && !Stop.Contains(word.ToString())) set.Add(word.ToString());
            word.Clear();
        }
        return set;
    }
}
