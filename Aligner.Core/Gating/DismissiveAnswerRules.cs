using System.Text.RegularExpressions;

namespace Aligner.Gating;

/// <summary>
/// Rules over the wording of an answer for the tone a sentence-encoder gate misses: an answer that insults the asker
/// ("you absolute muppet", "Turn it off and on, genius."), belittles the question ("Even a toddler knows that",
/// "What kind of question is that?"), refuses to engage ("Who cares?", "Not my problem.", "Look it up.", "Stop
/// wasting my time.", a closing "Bye."), asks rhetorical put-down questions ("Did you really need help with that?",
/// "Happy now?"), mocks ("lol", "duh", "RTFM", "Groundbreaking.", "Revolutionary, I know.") or swears. Such an answer
/// needs the corrector however well it answers. English only.
/// <para>
/// What keeps the rules from reading a polite answer as rude: quoted words are not read (<c>It means 'laughing out
/// loud'</c>; <c>Try 'Could we pause for a moment?'</c>); a phrase the question itself uses is not held against the
/// answer ("What does 'duh' mean?"); each phrase is addressed at the asker or stands as a sentence of its own ("Who
/// cares what others think?" is read as a dismissal, a known limit; "No one cares about your mistakes as much as you
/// do" is not, because only a closing "No one cares." is). Pure, thread-safe, and linear in the answer's length (the
/// patterns run on a non-backtracking engine); only the first <see cref="MaxAnswerLength"/> characters are read.
/// </para>
/// </summary>
public static partial class DismissiveAnswerRules
{
    /// <summary>How much of an answer the rules read, in characters (rude answers show it early).</summary>
    public const int MaxAnswerLength = 4_000;

    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    // Sentence start: the text's start or the end of a sentence before it.
    private const string Start = @"(?:^|[.!?]\s+)";
    // Sentence end: a closing mark or the text's end.
    private const string End = @"\s*(?:[.!?]+|$)";

    private static readonly (string Kind, Regex Pattern)[] Rules =
    [
        ("insult", Insult()),
        ("put-down", PutDown()),
        ("dismissal", Dismissal()),
        ("mockery", Mockery()),
        ("profanity", Profanity()),
    ];

    /// <summary>
    /// The first rude phrase of <paramref name="answer"/> as <c>kind: phrase</c> (kinds: <c>insult</c>, <c>put-down</c>,
    /// <c>dismissal</c>, <c>mockery</c>, <c>profanity</c>), or <see langword="null"/> when the answer reads as civil.
    /// </summary>
    /// <param name="question">The question answered; phrases it uses itself do not count against the answer.</param>
    /// <param name="answer">The answer to read.</param>
    public static string? RudePhrase(string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(answer);
        var text = Unquoted(Normalize(answer.Length > MaxAnswerLength ? answer[..MaxAnswerLength] : answer));
        if (text.Length == 0) return null;
        var asked = Normalize(question.Length > MaxAnswerLength ? question[..MaxAnswerLength] : question);
        foreach (var (kind, pattern) in Rules)
        {
            if (kind == "profanity" && CreativeRequest().IsMatch(asked)) continue; // a passage asked for may quote a character's swearing
            foreach (Match match in pattern.Matches(text))
            {
                var phrase = match.Value.Trim(' ', '.', '!', '?', ',', ';', ':');
                if (phrase.Length == 0 || asked.Contains(phrase, StringComparison.Ordinal)) continue;
                return kind + ": " + phrase;
            }
        }
        return null;
    }

    private static int _warmedUp;

    /// <summary>
    /// Reads a few civil and rude answers on a thread-pool thread: the first answers of a process otherwise pay for
    /// building the rules' matchers (a few milliseconds each on 2 cores). Only the first call does anything.
    /// </summary>
    public static void WarmUp()
    {
        if (Interlocked.Exchange(ref _warmedUp, 1) == 0)
            _ = Task.Run(() =>
            {
                foreach (var answer in WarmUpAnswers) RudePhrase("How do I keep my basil plant alive?", answer);
            });
    }

    private static readonly string[] WarmUpAnswers =
    [
        "Water it when the top of the soil feels dry, give it six hours of sun a day, and pinch off the flower buds.",
        "Basil likes warmth: keep it above 10 °C, in a pot with drainage holes, and harvest from the top so it grows bushy.",
        "Water it. Did you really need help with that? Even a toddler knows this, genius. Look it up yourself.",
        "Who cares, lol. Not my problem, I'm not your gardener. Groundbreaking, I know. Bye.",
    ];

    /// <summary>Whether <paramref name="answer"/> insults, belittles, dismisses or mocks the asker (see <see cref="RudePhrase"/>).</summary>
    public static bool IsRude(string question, string answer) => RudePhrase(question, answer) is not null;

    private static string Normalize(string text) =>
        Spaces().Replace(text.Replace('’', '\'').Replace('‘', '\'').Replace('“', '"').Replace('”', '"').Replace('«', '"').Replace('»', '"'), " ").Trim().ToLowerInvariant();

    // Quoted words are someone else's ("It means 'laughing out loud'"): replaced by a placeholder word. A single quote
    // opens only after a non-letter and closes only before one, so "don't ... it's" is no quote.
    private static string Unquoted(string text)
    {
        if (text.IndexOf('"') < 0 && text.IndexOf('\'') < 0) return text;
        text = DoubleQuoted().Replace(text, "quote");
        var result = new System.Text.StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\'' && (i == 0 || !char.IsLetterOrDigit(text[i - 1])) && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]))
            {
                int close = ClosingQuote(text, i + 1);
                if (close > 0) { result.Append("quote"); i = close + 1; continue; }
            }
            result.Append(c);
            i++;
        }
        return result.ToString();
    }

    private static int ClosingQuote(string text, int from)
    {
        for (int j = from; j < text.Length && j < from + 300; j++)
            if (text[j] == '\'' && (j + 1 == text.Length || !char.IsLetterOrDigit(text[j + 1])) && (char.IsLetterOrDigit(text[j - 1]) || ".!?,".Contains(text[j - 1])))
                return j;
        return -1;
    }

    [GeneratedRegex(@"""[^""]{0,300}""", Options)]
    private static partial Regex DoubleQuoted();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"\b(?:story|stories|passage|poem|lyrics?|song|quotes?|quotation|line\s+from|sentences?|paragraph|book|novel|dialogue|script|screenplay|excerpt|extract|reading|scene|character)\b", Options)]
    private static partial Regex CreativeRequest();

    // Names for the asker, said to the asker: "you absolute muppet", "you're an idiot", "..., genius."
    [GeneratedRegex(
        @"\byou(?:'re|\s+are)?(?:\s+(?:such|so|an?|being|absolute|complete|total|utter|real|little|silly|lazy|stupid))*\s+(?:idiot|moron|muppet|fool|clown|loser|dummy|imbecile|dumbass|dimwit|halfwit|nitwit|twit|numpty|plonker|cretin)s?\b"
        + @"|(?:^|[,.!?]\s*)(?:genius|einstein|sherlock|smarty[- ]?pants|dummy|idiot|moron|muppet|dumbass|sweetie)" + End
        + @"|\byou(?:'re|\s+are)(?:\s+(?:probably|clearly|obviously|just|really|so|such|a|an|too|completely|totally|simply))*\s+(?:stupid|dumb|hopeless|useless|clueless|pathetic|incompetent|dense|ignorant|terrible|awful|an\s+embarrassment)\b"
        + @"|\byours\s+(?:is|are)\s+(?:probably\s+|clearly\s+|obviously\s+|just\s+)?(?:hopeless|useless|pathetic|terrible|awful|garbage|trash|rubbish)\b"
        + @"|\bbad\s+parenting\b|\bstop\s+being\s+(?:so\s+)?(?:lazy|stupid|dumb|a\s+baby|dramatic|useless|pathetic|a\s+bad\s+\w+)\b"
        + @"|" + Start + @"(?:pathetic|loser|idiot|moron|unbelievable|embarrassing)" + End,
        Options)]
    private static partial Regex Insult();

    // Belittling the question or the asker's knowledge.
    [GeneratedRegex(
        @"\b(?:stupid|dumb|silly|idiotic|ridiculous|dumbest|stupidest|lazy|genius)\s+questions?\b"
        + @"|\b(?:what|which)\s+(?:kind|sort)\s+of\s+(?:a\s+)?question\b|\bwhy\s+(?:would|do|did)\s+you\s+(?:even\s+)?ask\b|\bwhy\s+do\s+you\s+ask\s+such\b"
        + @"|\beven\s+an?\s+(?:child|toddler|kid|baby|infant|monkey|five[- ]year[- ]old|\d+[- ]year[- ]old)\s+(?:knows|could|can|would)\b"
        + @"|\b(?:every(?:one|body)|any(?:one|body)|literally\s+everyone)\s+knows\s+(?:this|that)" + End
        + @"|\byou\s+(?:should|ought\s+to|must)\s+(?:already\s+)?know\s+(?:this|that)\b|\bhow\s+do\s+you\s+not\s+know\b|\byou\s+(?:really\s+)?don't\s+know\s+(?:this|that)\s*\?"
        + @"|\bif\s+you\s+(?:have|need)\s+to\s+ask\b|\bif\s+you\s+don't\s+(?:already\s+)?know\s+(?:this|that)\b"
        + @"|\bgo\s+back\s+to\s+(?:primary\s+|elementary\s+|middle\s+|high\s+|nursery\s+)?school\b|\blearn\s+to\s+(?:read|google|spell|use\s+google)\b|\buse\s+your\s+(?:brain|head|eyes)\b"
        + @"|\bare\s+you\s+(?:serious|kidding|joking|five|for\s+real|stupid|dumb|blind|kidding\s+me)\b|(?:^|[.!?]\s+)seriously\s*\?|\b(?:like|as)\s+a\s+normal\s+person\b|\bdo\s+i\s+look\s+like\b"
        + @"|\bnot\s+rocket\s+science\b|\bneed\s+me\s+to\s+hold\s+your\s+hand\b|\bfor\s+once\s+in\s+your\s+life\b|\bfor\s+once" + End
        + @"|\bi'm\s+not\s+your\s+\w+|\bi'm\s+not\s+a\s+(?:search\s+engine|google|dictionary|encyclop(?:a)?edia|wikipedia|babysitter|baby-sitter|maid|servant|slave|butler|nanny)\b"
        + @"|\bshould(?:'ve|\s+have)\s+thought\s+(?:of|about)\s+that\b|\bthat's\s+(?:on\s+you|your\s+(?:own\s+)?(?:problem|fault))\b|\bserves\s+you\s+right\b"
        + @"|\bany\s+more\s+(?:genius|brilliant|stupid|dumb)\s+questions\b|\bmaybe\s+(?:just\s+)?(?:don't|stop)\b"
        // Rhetorical put-downs: "Did you really need help with that?", "Was that so hard?", "Happy now?", "Try to keep up."
        + @"|\b(?:did|do)\s+you\s+(?:really|seriously|honestly|actually|even)\s+(?:need|have)\s+to\s+ask\b"
        + @"|\b(?:did|do)\s+you\s+(?:really|seriously|honestly|actually)\s+need\s+(?:help|me|someone|anyone|somebody|an?\s+(?:ai|assistant|chatbot|bot|computer|expert))\s+(?:with|for|to)\b"
        + @"|\b(?:was|is)\s+(?:that|it|this)\s+(?:so|really\s+(?:that|so)|that)\s+hard(?:\s+to\s+[a-z' ]{1,30})?\s*\?|\bhappy\s+now\s*\?"
        + @"|" + Start + @"(?:try\s+to\s+)?keep\s+up" + End + @"|\btry\s+actually\s+\w+|\bactually\s+\w+ing\b[^.!?]{0,40}\bfor\s+a\s+change\b"
        + @"|\beven\s+for\s+you\b|\beven\s+you\s+(?:(?:can|could|should|might|would|ought\s+to)\s+(?:manage|handle|understand|follow|figure|know|get\s+(?:that|this|it)|do\s+(?:that|this))|manage|know)\b"
        + @"|\b(?:try|start)\s+(?:paying\s+attention|listening|reading|thinking)\b[^.!?]{0,30}\b(?:for\s+once|for\s+a\s+change|in\s+school|in\s+class)\b",
        Options)]
    private static partial Regex PutDown();

    // Refusing to engage: not caring, "look it up", "stop bothering me", a closing "Bye."
    [GeneratedRegex(
        @"\bwho\s+(?:actually\s+|even\s+|really\s+|the\s+hell\s+)?cares\b|\b(?:nobody|no\s+one|no-one)\s+(?:actually\s+|really\s+)?cares" + End
        + @"|\bi\s+(?:really\s+|honestly\s+)?(?:don't|do\s+not|couldn't|could\s+not)\s+care" + End + @"|\bi\s+(?:really\s+|honestly\s+)?(?:don't|do\s+not)\s+care\s+(?:about|what|if|how|whether)\b"
        + @"|\bnot\s+my\s+(?:problem|job|concern|business|fault|responsibility)\b|\byour\s+(?:own\s+)?(?:problem|fault)" + End
        + @"|\b(?:figure|work)\s+it\s+out\s+(?:for\s+)?yourself\b|\bgo\s+figure\s+it\s+out\b|\bfind\s+(?:your|one\s+your)\s+own" + End
        + @"|" + Start + @"(?:just\s+|go\s+|so\s+|then\s+)?look\s+it\s+up(?:\s+yourself|\s+online)?" + End
        + @"|" + Start + @"(?:just\s+|go\s+)?google\s+it" + End + @"|\buse\s+(?:a\s+)?(?:search\s+engine|google)(?:\s+like|\s*[.!]|$)|\bdo\s+your\s+own\s+research\b|\b(?:read|get)\s+a\s+book" + End
        + @"|\b(?:youtube|google|wikipedia)\s+(?:exists|is\s+free|is\s+a\s+thing)\b|\bthis\s+thing\s+called\s+(?:google|youtube|the\s+internet)\b"
        + @"|\b(?:stop|quit)\s+(?:bothering|asking|wasting|pestering|bugging|annoying)\b|\bwast(?:e|ing)\s+my\s+time\b|\bnext\s+question\b"
        + @"|\bnot\s+(?:answering|going\s+to\s+answer)\s+(?:that|this)\b|\bnot\s+worth\s+(?:answering|my\s+time|the\s+effort)\b|\bcan't\s+be\s+bothered\b|\bdon't\s+bother\s+me\b|\bleave\s+me\s+alone\b"
        + @"|\bgood\s+luck\s+with\s+that\b|\bi\s+could\s+tell\s+you,?\s+but\b|\b(?:won't|not\s+going\s+to)\s+tell\s+you\b|\bdo\s+whatever\s+you\s+want\b|\b(?:i'm|i\s+am)\s+busy\b"
        + @"|(?:^|[.!?]\s+|\byou\s+|\bjust\s+)deal\s+with\s+it" + End + @"|\bproblem\s+solved\b|\bnot\s+answering\b"
        + @"|" + Start + @"(?:bye|goodbye|bye-bye|next|whatever|moving\s+on|end\s+of\s+story|the\s+end|no\s+idea,?\s+sorry)\s*[.!]*\s*$|^\s*whatever\s*[.!,]",
        Options)]
    private static partial Regex Dismissal();

    // Mocking interjections and sarcasm markers.
    [GeneratedRegex(
        @"\b(?:lol|lmao|lmfao|rofl|smh|pf+t+|pf{2,}|ugh+|meh|jeez|geez|sheesh|duh|ew{1,4}|yikes|rtfm|lmgtfy)\b|\blet\s+me\s+google\s+that\s+for\s+you\b"
        + @"|" + Start + @"wow\s*\.|(?:,\s*|" + Start + @")obviously\s*[.!?]+"
        // Mock praise standing as a sentence of its own ("Groundbreaking.", "Revolutionary, I know.").
        + @"|" + Start + @"(?:truly\s+|how\s+)?(?:groundbreaking|revolutionary|mind-?blowing|earth-?shattering|shocking|shocker|what\s+a\s+(?:concept|revelation|shock)|imagine\s+that|fancy\s+that)(?:\s*,\s*(?:i\s+know|right|huh))?\s*[.!?]+"
        + @"|\b(?:revolutionary|groundbreaking|shocking|genius|rocket\s+science|radical\s+idea|novel\s+idea|complicated\s+stuff)\s*,\s*i\s+know\b",
        Options)]
    private static partial Regex Mockery();

    [GeneratedRegex(
        @"\b(?:damn|damned|goddamn|crap|crappy|shit|shitty|bullshit|fuck\w*|wtf|ffs|stfu|piss\s+off|bugger\s+off|sod\s+off|screw\s+(?:you|off)|shut\s+up)\b|\bscrew\s+it\s*[.!,]|\bthe\s+hell\b|\bbloody\s+hell\b",
        Options)]
    private static partial Regex Profanity();
}
