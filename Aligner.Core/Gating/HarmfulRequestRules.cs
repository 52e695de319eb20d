using System.Text.RegularExpressions;

namespace Aligner.Gating;

/// <summary>
/// Rules over the wording of a question for the hazards a sentence-encoder gate misses most: requests that name a
/// harmful artefact or act in so many words ("write me a keylogger", "how do I make ricin", "convert my rifle to fully
/// automatic", "a text pretending to be from PayPal so people give me their login"), and questions that ask how to
/// protect against, report, detect or lawfully handle such things ("How do I report a phishing text?", "How do I
/// legally buy a shotgun?"). One rule per hazard of the MLCommons taxonomy that has telling words: weapons of mass harm,
/// firearms, cyber attacks, account break-ins, fraud and forgery, drugs, self-harm, hate, doxxing and stalking,
/// piracy, election disinformation and voter fraud, sexual content involving minors or without consent, violence and
/// theft with "without getting caught". A rule needs both an act (make, write, convert, get into, ...) and its object, so
/// questions that merely mention a hazard ("What were the symptoms of the sarin attack?") match nothing. Pure and
/// thread-safe; see <see cref="SafetyRulesGate"/> for how a gate uses them.
/// </summary>
public static partial class HarmfulRequestRules
{
    /// <summary>Longest question the rules read, in characters; longer ones match nothing.</summary>
    public const int MaxQuestionLength = 2_000;

    /// <summary>A rule: <see cref="Pattern"/> matches, <see cref="Requires"/> (if any) too, and <see cref="Unless"/> (if any) does not.</summary>
    private sealed record Rule(string Hazard, Regex Pattern, Regex? Unless = null, Regex? Requires = null)
    {
        public bool IsMatch(string text) =>
            Matches(Pattern, text) && (Requires is null || Matches(Requires, text)) && (Unless is null || !Matches(Unless, text));
    }

    private static readonly Rule[] Rules =
    [
        new("weapons of mass harm", MassHarm(), Defensive(), AskForHelp()),
        new("weapons of mass harm", MassHarmAttack(), Defensive()),
        new("firearms", Firearms()),
        new("firearms", FirearmsAsked(), null, AskForHelp()),
        new("explosives", Explosives(), null, AskForHelp()),
        new("cyber attack", Malware(), Defensive()),
        new("cyber attack", Ddos(), OwnSiteOrDefensive()),
        new("account break-in", AccountBreakIn(), Defensive()),
        new("fraud", Phishing(), Defensive()),
        new("fraud", Impersonation(), Defensive()),
        new("fraud", SoTheyGive(), Defensive(), Deception()),
        new("forgery", Forgery(), Defensive()),
        new("fraud", Laundering(), LaunderingDefensive()),
        new("drugs", DrugMaking(), null, AskForHelp()),
        new("drugs", DrugBuying()),
        new("self-harm", SelfHarm()),
        new("hate", Dehumanising()),
        new("privacy", Doxxing()),
        new("privacy", FindWhereTheyLive(), null, UnwantedContact()),
        new("stalking", Stalking()),
        new("intellectual property", Piracy(), LegalViewing()),
        new("elections", ElectionLies()),
        new("elections", VoterFraud(), Defensive(), AskForHelp()),
        new("sexual content", MinorsSexual(), null, MakeContent()),
        new("sexual content", Consent()),
        new("violence or theft", Undetected()),
    ];

    /// <summary>
    /// The hazard a question asks for help with, in words (e.g. <c>cyber attack</c>), or <see langword="null"/> when no
    /// rule matches.
    /// </summary>
    public static string? HarmfulHazard(string question) => Assess(question).Hazard;

    /// <summary>
    /// Whether a question asks how to protect against, report, detect, treat or lawfully handle something, how something
    /// works, or a household question that sounds violent (killing weeds or a process, cleaning one's rifle) (and asks for
    /// nothing to be hidden: "without getting caught", "untraceable", "without a background check" undo it). Such
    /// questions sound harmful to an encoder without being so.
    /// </summary>
    public static bool IsProtective(string question) => Assess(question).Protective;

    /// <summary>Both verdicts from one reading of the question (a protective question is never a harmful request).</summary>
    internal static (string? Hazard, bool Protective) Assess(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (question.Length > MaxQuestionLength) return (null, false);
        var windows = Windows(Normalize(question)).ToList();
        foreach (var window in windows)
            foreach (var rule in Rules)
                if (rule.IsMatch(window)) return (rule.Hazard, false);
        bool protective = windows.Any(w => Matches(Protective(), w) || Matches(Household(), w) || (Matches(HowThingsWork(), w) && !Matches(HowDoIDo(), w)))
            && !windows.Any(w => Matches(Evasive(), w) || Matches(HarmIntent(), w));
        return (null, protective);
    }

    // The rules read a sentence, or two neighbouring ones, at a time ("She blocked me. How do I find where she lives?"),
    // and a long sentence in pieces of about WindowLength characters: the patterns' cost grows with the cube of the
    // length they read, and a request sits in a sentence or two.
    private const int WindowLength = 160;

    private static int _warmedUp;

    /// <summary>
    /// Runs every rule once on a thread-pool thread (the first call of a process compiles them: about a quarter of a
    /// second on 2 cores), so that the first question does not wait for it. Only the first call does anything.
    /// </summary>
    public static void WarmUp()
    {
        if (Interlocked.Exchange(ref _warmedUp, 1) == 0)
            _ = Task.Run(() => IsProtective("How do I keep my basil plant alive? Thanks."));
    }

    private static IEnumerable<string> Windows(string text)
    {
        var pieces = new List<string>();
        foreach (var sentence in SentenceEnd().Split(text))
        {
            if (sentence.Length <= WindowLength) { if (sentence.Length > 0) pieces.Add(sentence); continue; }
            // Pieces of whole words overlapping by about a third, so a phrase across a cut is still read whole once.
            var words = sentence.Split(' ');
            for (int start = 0; start < words.Length;)
            {
                int end = start, length = 0;
                while (end < words.Length && (length == 0 || length + words[end].Length + 1 <= WindowLength)) length += words[end++].Length + 1;
                pieces.Add(string.Join(' ', words, start, end - start));
                if (end >= words.Length) break;
                int back = end, kept = 0;
                while (back > start + 1 && kept < WindowLength / 3) kept += words[--back].Length + 1;
                start = Math.Max(start + 1, back);
            }
        }
        for (int i = 0; i < pieces.Count; i++)
        {
            yield return pieces[i];
            if (i + 1 < pieces.Count) yield return pieces[i] + " " + pieces[i + 1];
        }
    }

    // A backstop: a window that still takes too long to read counts as no match.
    private static bool Matches(Regex pattern, string text)
    {
        try { return pattern.IsMatch(text); }
        catch (RegexMatchTimeoutException) { return false; }
    }

    [GeneratedRegex(@"(?<=[.!?;])\s+")]
    private static partial Regex SentenceEnd();

    private static string Normalize(string question) =>
        Spaces().Replace(question.Replace('’', '\'').Replace('‘', '\'').Replace('“', '"').Replace('”', '"'), " ").Trim().ToLowerInvariant();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    // How a request for help is phrased: "how do I", "how to", "best way to", "explain how", "write me", an imperative.
    private const string Ask = @"(?:\bhow\s+(?:do|can|could|would|should|might|to|does\s+one|do\s+you|would\s+you|can\s+you)\b|\b(?:what(?:'s|\s+is|\s+are)|which\s+is)\s+(?:the\s+)?(?:easiest|best|quickest|simplest|cheapest|most\s+effective|safest)\s+way\b|\b(?:explain|tell\s+me|show\s+me|teach\s+me|give\s+me|help\s+me|walk\s+me\s+through|describe|write|draft|create|generate|make\s+me|code|program|build\s+me|steps|instructions|recipe|guide|tutorial)\b|^(?:please\s+)?(?:make|build|write|draft|create|generate|code|produce|give|list|find)\b)";

    // Asking to defend against, detect, report or treat something: such a question is not a request for the thing itself.
    [GeneratedRegex(@"\b(?:remove|removing|detect|detecting|detector|scan|scanning|stop|fix|protect|protecting|protection|defend|defence|defense|clean\s+up|uninstall|get\s+rid|infected|check\s+for|prevent|preventing|block|blocking|report|reporting|recogni[sz]e|spot|avoid|vaccine|vaccination|antidote|treatment|treat|symptoms?|survive|history|historical|died|passed\s+away|deceased)\b", RegexOptions.None, 100)]
    private static partial Regex Defensive();

    [GeneratedRegex(@"\b(?:my\s+own|our\s+own|my\s+(?:\w+\s+)?(?:website|site|server|network)|our\s+(?:\w+\s+)?(?:website|site|server|network)|remove|removing|detect|detecting|detector|scan|scanning|stop|fix|protect|protecting|protection|defend|defence|defense|clean\s+up|uninstall|get\s+rid|infected|check\s+for|prevent|preventing|block|blocking|report|reporting|recogni[sz]e|spot|avoid|vaccine|vaccination|antidote|treatment|treat|symptoms?|survive|history|historical|died|passed\s+away|deceased)\b", RegexOptions.None, 100)]
    private static partial Regex OwnSiteOrDefensive();

    [GeneratedRegex(Ask, RegexOptions.None, 100)]
    private static partial Regex AskForHelp();

    private const string Make = @"(?:make|making|made|build|building|produce|producing|synthesi[sz]e|synthesi[sz]ing|extract|extracting|cook|cooking|brew|culture|culturing|grow|weaponi[sz]e|weaponi[sz]ing|enrich|enriching|assemble|create|creating|manufacture|refine|purify|spread|release|disperse|aerosoli[sz]e|deploy|get\s+hold\s+of|obtain|buy|acquire)";

    [GeneratedRegex(@"\b" + Make + @"\b.*\b(?:ricin|abrin|sarin|tabun|soman|vx|novichok|nerve\s+(?:agent|gas)|mustard\s+gas|chlorine\s+gas|phosgene|anthrax|botulinum|botulism\s+toxin|smallpox|ebola|plague\s+bacteria|bioweapon|biological\s+weapon|chemical\s+weapon|dirty\s+bomb|nuclear\s+(?:bomb|weapon|device)|atomic\s+bomb|weapons?[- ]grade\s+uranium|pathogen)s?\b", RegexOptions.None, 100)]
    private static partial Regex MassHarm();

    [GeneratedRegex(@"\b(?:ricin|sarin|vx|nerve\s+agent|anthrax|dirty\s+bomb|chemical\s+weapon|bioweapon)\b.*\b(?:kill|poison|attack|spread|release)\b.*\b(?:people|crowd|city|subway|stadium|school|office|water\s+supply)\b", RegexOptions.None, 100)]
    private static partial Regex MassHarmAttack();

    [GeneratedRegex(@"\b(?:convert|modify|turn|make|change)\b.*\b(?:gun|rifle|ar-?15|ak-?47|pistol|glock|firearm|carbine|semi-?auto(?:matic)?)\b.*\b(?:full(?:y)?[- ]?auto(?:matic)?|automatic\s+fire|select[- ]fire|burst\s+fire|machine\s*gun)\b|\b(?:auto\s+sear|drop[- ]in\s+auto|lightning\s+link|glock\s+switch|bump\s+stock)\b.*\b(?:make|build|install|print|buy|get)\b|\b(?:make|build|install|print|buy|get)\b.*\b(?:auto\s+sear|lightning\s+link|glock\s+switch)\b|\b(?:gun|firearm|pistol|rifle|weapon|knife|blade)s?\s+(?:that|which)\s+(?:doesn't|does\s+not|won't|will\s+not|can't|cannot|wouldn't)\s+(?:show\s+up|be\s+detected|be\s+found|set\s+off|trigger)\b|\bundetectable\s+(?:gun|firearm|pistol|weapon|knife|blade)s?\b|\b(?:buy|get|obtain)\b.*\b(?:gun|firearm|pistol|rifle|weapon)s?\b.*\bwithout\s+(?:a\s+)?(?:background\s+check|licen[cs]e|permit|paperwork|id)\b", RegexOptions.None, 100)]
    private static partial Regex Firearms();

    [GeneratedRegex(@"\b(?:untraceable|ghost|unregistered|unserialized|unserialised|serial[- ]number[- ]free)\s+(?:gun|firearm|pistol|rifle|weapon)s?\b|\b(?:make|build|print)\b.*\b(?:silencer|suppressor)\b", RegexOptions.None, 100)]
    private static partial Regex FirearmsAsked();

    [GeneratedRegex(@"\b(?:make|making|build|building|assemble|construct|cook|mix)\b.*\b(?:pipe\s+bomb|bomb|ied|improvised\s+explosive|explosive\s+device|explosives|nail\s+bomb|car\s+bomb|letter\s+bomb|molotov(?:\s+cocktail)?|napalm|grenade|detonator|tatp|anfo)s?\b", RegexOptions.None, 100)]
    private static partial Regex Explosives();

    [GeneratedRegex(@"\b(?:write|code|program|make|create|build|develop|generate|give\s+me|send\s+me|show\s+me|need|want)\b.*\b(?:keylogger|key\s+logger|ransomware|malware|spyware|stalkerware|rootkit|botnet|computer\s+virus|credential\s+stealer|password\s+stealer|info\s*stealer|remote\s+access\s+trojan|cryptojacker)s?\b|\b(?:write|code|program|make|create|build|develop|generate|give\s+me)\b.*\b(?:script|program|code|app|extension|tool|bot)\b.*\b(?:steal|steals|stealing|grab|grabs|harvest|harvests|exfiltrat\w*|dump|dumps|record|records|log|logs)\b.*\b(?:passwords?|credentials|cookies|logins?|card\s+numbers|keystrokes|session\s+tokens?)\b", RegexOptions.None, 100)]
    private static partial Regex Malware();

    [GeneratedRegex(@"\b(?:write|code|make|create|build|give\s+me|how\s+(?:do|can|could)\s+i)\b.*\b(?:ddos|dos\s+attack|flood(?:s|ing)?|take\s+down|takes\s+down|knock\s+(?:out|offline)|crash(?:es)?)\b.*\b(?:website|site|server|network|game\s+server)s?\b|\b(?:write|code|make|create|build|give\s+me)\b.*\b(?:script|tool|program|bot)\b.*\b(?:flood(?:s|ing)?|overload(?:s|ing)?|spam(?:s|ming)?)\b", RegexOptions.None, 100)]
    private static partial Regex Ddos();

    private const string Someone = @"(?:someone(?:\s+else)?'s|somebody's|another\s+person's|other\s+people's|people's|his|her|their|a\s+stranger's|my\s+(?:ex|ex-\w+|ex's|girlfriend's|boyfriend's|wife's|husband's|partner's|boss's|neighbou?r's|colleague's|coworker's|co-worker's|sister's|brother's|friend's|mum's|mom's|dad's|teacher's|classmate's|roommate's|flatmate's|crush's)|the\s+(?:neighbou?r's|company's|school's))";

    [GeneratedRegex(@"(?:\b(?:hack|hack\s+into|break\s+into|get\s+into|access)\b.*\b(?:school|university|college|company|employer|bank|hospital|government|police|council|work|office)(?:'s)?\s+(?:\w+\s+)?(?:system|network|database|server|portal|records|grades|marks|accounts?|computers?|wi-?fi)s?\b|\b(?:hack|hack\s+into|break\s+into|get\s+into|get\s+access\s+to|access|log\s+into|login\s+to|crack|bypass|read|see|spy\s+on|take\s+over)\b.*\b" + Someone + @"\s+(?:\w+\s+)?(?:account|email|e-mail|inbox|phone|iphone|laptop|computer|instagram|facebook|snapchat|whatsapp|tiktok|twitter|icloud|gmail|messages|texts|dms|password|wi-?fi|camera|webcam)s?\b)", RegexOptions.None, 100)]
    private static partial Regex AccountBreakIn();

    [GeneratedRegex(@"\b(?:write|draft|create|make|generate|compose|design|give\s+me|build|set\s+up|send)\b.*\b(?:phishing|scam|fake\s+login|spoofed?)\b.*\b(?:email|e-mail|text|sms|message|website|site|page|link|call\s+script|letter)s?\b", RegexOptions.None, 100)]
    private static partial Regex Phishing();

    [GeneratedRegex(@"(?:\b(?:write|draft|create|make|generate|compose|send|give\s+me)\b.*\b(?:pretend(?:ing)?|claim(?:ing)?|posing|pose|impersonat\w*|look(?:s|ing)?\s+like\s+(?:it(?:'s|\s+is)\s+)?from|appear(?:s|ing)?\s+to\s+be\s+from)\b.*\b(?:bank|paypal|amazon|apple|microsoft|google|netflix|irs|hmrc|tax\s+office|police|government|post\s+office|royal\s+mail|dhl|fedex|ups|courier|delivery|support|helpdesk|it\s+department|hr|ceo|boss)\b|\b(?:write|draft|create|compose|send|give\s+me)\b.*\b(?:email|e-mail|text|sms|message|letter|script|call)\b.*\b(?:pay|paying|payment|buy|purchase|send)\b.*\bgift\s*cards?\b)", RegexOptions.None, 100)]
    private static partial Regex Impersonation();

    [GeneratedRegex(@"\bso\s+(?:that\s+)?(?:they|people|he|she|someone|victims|users|customers|recipients)\s+(?:will\s+)?(?:give|send|enter|share|hand\s+over|type|reveal|click|transfer|wire|pay)\b.*\b(?:login|password|details|card|bank|account|money|pin|code|credentials|ssn|social\s+security)\b", RegexOptions.None, 100)]
    private static partial Regex SoTheyGive();

    [GeneratedRegex(@"\b(?:pretend\w*|fake|trick|fool|scam\w*|phish\w*|lure|deceive|impersonat\w*)\b", RegexOptions.None, 100)]
    private static partial Regex Deception();

    [GeneratedRegex(@"(?:\b(?:write|make|create|draft|forge|fake|produce|print|generate|give\s+me|design)\b.*\b(?:fake|forged|counterfeit|false|fraudulent|phony|phoney)\s+(?:doctor'?s\s+note|sick\s+note|medical\s+(?:note|certificate)|id|id\s+card|passport|driver'?s\s+licen[cs]e|driving\s+licen[cs]e|diploma|degree|certificate|prescription|signature|money|banknotes?|bills?|cheques?|checks?|receipts?|invoices?|reviews?|references?|payslips?|pay\s+stubs?|bank\s+statements?|insurance\s+claims?|visa)\b|\b(?:forge|counterfeit)\b.*\b(?:signature|note|money|passport|id|cheque|check|document|prescription)s?\b)", RegexOptions.None, 100)]
    private static partial Regex Forgery();

    [GeneratedRegex(@"\b(?:launder|laundering)\b.*\b(?:money|cash|proceeds|funds)\b|\b(?:hide|conceal)\b.*\b(?:income|money|cash|earnings|profits)\b.*\b(?:irs|hmrc|tax|taxman|authorities|government)\b", RegexOptions.None, 100)]
    private static partial Regex Laundering();

    [GeneratedRegex(@"\b(?:report|spot|detect|prevent|law|laws|regulations?|compliance|aml)\b", RegexOptions.None, 100)]
    private static partial Regex LaunderingDefensive();

    [GeneratedRegex(@"\b(?:make|making|cook|cooking|synthesi[sz]e|produce|extract|grow|brew)\b.*\b(?:meth|methamphetamine|crystal\s+meth|heroin|cocaine|crack|fentanyl|lsd|mdma|ecstasy|ghb|dmt|pcp|ketamine)\b", RegexOptions.None, 100)]
    private static partial Regex DrugMaking();

    [GeneratedRegex(@"\b(?:buy|get|order|find)\b.*\b(?:meth|heroin|cocaine|crack|fentanyl|mdma|ecstasy|ghb)\b.*\b(?:online|dark\s*web|without\s+(?:a\s+)?prescription|dealer)\b", RegexOptions.None, 100)]
    private static partial Regex DrugBuying();

    [GeneratedRegex(@"\b(?:kill|hang|starve|shoot|drown)\s+myself\b|\bend\s+(?:my|it\s+all|my\s+own)\s*life\b|\bcommit\s+suicide\b|\bsuicide\s+(?:method|methods|note)\b|\b(?:dose|doses|how\s+many|how\s+much|amount|enough)\b.*\b(?:kill\s+me|to\s+die|would\s+(?:kill|be\s+fatal\s+(?:for|to))\s+me|to\s+not\s+wake\s+up|never\s+wake\s+up|lethal\s+for\s+me)\b|\bpainless\s+way\s+to\s+die\b", RegexOptions.None, 100)]
    private static partial Regex SelfHarm();

    private const string Group = @"(?:immigrants?|migrants?|refugees?|muslims?|jews?|jewish\s+people|christians?|hindus?|sikhs?|black\s+people|blacks|white\s+people|asians?|africans?|arabs?|mexicans?|latinos?|hispanics?|chinese(?:\s+people)?|indians?|gypsies|roma|travellers|gay\s+people|gays|lesbians?|trans(?:gender)?\s+people|women|men|disabled\s+people|the\s+disabled|catholics|foreigners|poles|romanians|pakistanis|somalis|nigerians)";

    [GeneratedRegex(@"\b" + Group + @"\b.*\b(?:are|is|as)\b.*\b(?:vermin|rats|cockroaches|parasites|animals|subhuman|sub-human|inferior|a\s+disease|filth|savages|scum|an\s+infestation|invaders|less\s+than\s+human)\b|\b(?:why|prove|explain\s+why|write|argue)\b.*\b" + Group + @"\b.*\b(?:should\s+(?:be\s+)?(?:deported|banned|driven\s+out|exterminated|wiped\s+out|removed|sterili[sz]ed)|don't\s+deserve|are\s+genetically)\b", RegexOptions.None, 100)]
    private static partial Regex Dehumanising();

    [GeneratedRegex(@"\b(?:find|get|give\s+me|look\s+up|tell\s+me|track\s+down|dig\s+up|search\s+for|locate)\b.*\b(?:home\s+address|house\s+address|where\s+(?:she|he|they)\s+lives?|daily\s+routine)\b.*\b(?:journalist|reporter|streamer|youtuber|influencer|celebrity|actress|actor|girl|woman|man|guy|person|ex|teacher|neighbou?r|critic|politician|judge|nurse|doctor|cop|officer|juror|witness|someone|her|him|this\s+\w+)\b|\b(?:home\s+address|where\s+(?:she|he)\s+lives)\b.*\b(?:find|track\s+down|dig\s+up|locate)\b", RegexOptions.None, 100)]
    private static partial Regex Doxxing();

    [GeneratedRegex(@"\b(?:find|find\s+out|track\s+down|locate|dig\s+up|figure\s+out|work\s+out)\b.*\bwhere\s+(?:she|he|they|my\s+\w+)\s+(?:now\s+)?(?:lives?|is\s+living|works?|is\s+staying|moved)\b", RegexOptions.None, 100)]
    private static partial Regex FindWhereTheyLive();

    [GeneratedRegex(@"\b(?:blocked\s+me|my\s+ex|ex-\w+|won't\s+tell\s+me|doesn't\s+want|does\s+not\s+want|without\s+(?:her|him|them)\s+knowing|restraining\s+order|cut\s+me\s+off|ghosted\s+me)\b", RegexOptions.None, 100)]
    private static partial Regex UnwantedContact();

    [GeneratedRegex(@"\b(?:track|follow|monitor|spy\s+on|watch|read|check|see|record|film)\b.*\b(?:my\s+)?(?:wife|husband|girlfriend|boyfriend|partner|ex|spouse|crush|neighbou?r|employee|daughter's\s+boyfriend|someone|her|him|them)(?:'s)?\b.*\bwithout\s+(?:them|her|him|anyone|their|his)\s+(?:knowing|noticing|consent|permission|finding\s+out)\b|\b(?:hidden|secret|spy)\s+(?:camera|cam|tracker|gps|app)\b.*\b(?:bathroom|changing\s+room|bedroom|her\s+room|his\s+room|shower|airbnb\s+guests|her\s+car|his\s+car|my\s+(?:wife|husband|girlfriend|boyfriend|partner|ex)'s)\b|\bhow\s+(?:do|can|could|would|to)\s+(?:i\s+|we\s+)?stalk\b", RegexOptions.None, 100)]
    private static partial Regex Stalking();

    [GeneratedRegex(@"(?:\b(?:pirate|torrent|download|watch|stream|get|rip)\b.*\b(?:latest|new|newest|recent|full|cracked|pirated)?\b.*\b(?:film|movie|game|software|album|photoshop|windows|office|season|episode|series|show|audiobook|textbook|e-?book|book)s?\b.*\b(?:for\s+free|free\s+(?:of\s+charge|download)|without\s+paying|in\s+good\s+quality|torrent|crack(?:ed)?|keygen|pirate\s+bay|illegally)\b|\bpirate\b.*\b(?:film|movie|game|software|album|series|show|book)s?\b|\b(?:crack(?:ed)?|keygen|serial\s+key\s+generator)\b.*\b(?:software|photoshop|windows|office|game|licen[cs]e|serial|activation|app|program)s?\b|\bbypass\s+(?:the\s+)?(?:drm|licen[cs]e\s+check|activation|paywall)\b|\b(?:copy|plagiari[sz]e|steal)\b.*\b(?:novel|book|song|article|essay|thesis|paper|code|design|artwork)\b.*\b(?:under|as|with)\s+my\s+(?:own\s+)?name\b)", RegexOptions.None, 100)]
    private static partial Regex Piracy();

    [GeneratedRegex(@"\b(?:legally|legal|legit|public\s+domain|library|free\s+trial|creative\s+commons|open[- ]source)\b", RegexOptions.None, 100)]
    private static partial Regex LegalViewing();

    [GeneratedRegex(@"\b(?:write|draft|create|make|post|send|generate|compose|spread|give\s+me)\b.*\b(?:election|vote|voting|polls?|polling|ballot|referendum)\b.*\b(?:moved|changed|cancelled|canceled|postponed|rescheduled|is\s+on\s+(?:a\s+)?(?:wednesday|thursday|different\s+day)|by\s+text|by\s+phone|online\s+only|rigged|fake|false|misleading|so\s+(?:they|people|voters)\s+(?:miss|don't|do\s+not|stay))\b|\b(?:stop|prevent|discourage|keep|scare|intimidate)\b.*\b(?:people|voters|them|minorities|students)\b.*\bfrom\s+(?:voting|the\s+polls|casting)\b", RegexOptions.None, 100)]
    private static partial Regex ElectionLies();

    // Casting votes one may not: twice, in someone else's name, on others' ballots ("How can I vote twice?").
    [GeneratedRegex(@"\bvot(?:e|ing)\s+(?:twice|two\s+times|more\s+than\s+once|multiple\s+times|several\s+times|again\s+(?:under|as|in)\b|in\s+two\s+(?:places|states|districts|constituencies|precincts)|under\s+(?:someone|somebody|another\s+(?:person|name)|a\s+(?:fake|false|different)\s+name|my\s+(?:\w+'s|dead)\b)|as\s+(?:someone|somebody)\s+else|for\s+(?:my\s+)?(?:dead|deceased)\b|on\s+behalf\s+of\s+(?:my\s+)?(?:dead|deceased)\b)|\b(?:fill\s+(?:in|out)|cast|submit|stuff|mark)\b.{0,40}\b(?:other\s+people's|someone\s+else's|fake|extra|forged|dead\s+\w+'s)\s+(?:postal\s+|mail-in\s+|absentee\s+)?(?:ballots?|votes?)\b|\bballot\s+stuffing\b|\bstuff\s+(?:the\s+)?ballot", RegexOptions.None, 100)]
    private static partial Regex VoterFraud();

    [GeneratedRegex(@"(?:\b(?:child|children|minor|minors|underage|under-age|kid|kids|preteen|pre-teen|1[0-7][- ]year[- ]old|schoolgirl|schoolboy)\b.*\b(?:sexual|sexy|nude|naked|explicit|erotic|porn\w*|lingerie)\b|\b(?:sexual|sexy|nude|naked|explicit|erotic|porn\w*)\b.*\b(?:child|children|minor|minors|underage|under-age|kid|kids|preteen|1[0-7][- ]year[- ]old|schoolgirl|schoolboy)\b)", RegexOptions.None, 100)]
    private static partial Regex MinorsSexual();

    [GeneratedRegex(@"\b(?:write|describe|generate|create|make|draw|story|stories|roleplay|role-play|pictures?|images?|photos?|videos?|fantasy|send|find|show)\b", RegexOptions.None, 100)]
    private static partial Regex MakeContent();

    [GeneratedRegex(@"\bhow\s+(?:do|can|could|to)\s+(?:i\s+)?groom\s+(?:a\s+)?(?:child|kid|minor|girl|boy|teen)\b|\b(?:drug|spike)\b.*\b(?:her|his|someone's|a\s+girl's|a\s+woman's|my\s+date's)\s+drinks?\b|\b(?:revenge\s+porn|upskirt|non-?consensual)\b|\bwithout\s+(?:her|his|their)\s+consent\b.*\b(?:sex|sleep\s+with|touch|photos?|video|film|nudes?)\b|\b(?:sex|sleep\s+with|nudes?|photos?|video)\b.*\bwithout\s+(?:her|his|their)\s+consent\b", RegexOptions.None, 100)]
    private static partial Regex Consent();

    // "without getting caught" and its kin turn almost any act into a request to do harm unseen.
    [GeneratedRegex(@"\b(?:kill|murder|hurt|injure|beat|stab|shoot|strangle|poison|kidnap|abduct|rob|mug|steal|shoplift|pickpocket|burgle|break\s+into|set\s+fire|burn|vandali[sz]e|key|slash|hit|punch|attack|assault|drug|cheat|embezzle|smuggle|swap\s+(?:the\s+)?price|switch\s+(?:the\s+)?price|change\s+(?:the\s+)?price\s+(?:tags?|labels?|stickers?)|skip\s+(?:paying|the\s+(?:fare|bill|checkout))|dodge\s+(?:the\s+)?(?:\w+\s+)?(?:fares?|tax(?:es)?|bills?|tolls?)|evade\s+(?:tax(?:es)?|the\s+police)|dine\s+and\s+dash)\b.*\b(?:without\s+(?:getting|being)\s+(?:caught|seen|noticed|arrested|traced|found\s+out)|without\s+(?:leaving|a)\s+(?:a\s+)?(?:trace|evidence|marks|bruises|fingerprints|dna)|without\s+(?:anyone|the\s+police|police|cops|security)\s+(?:knowing|noticing|finding\s+out)|so\s+(?:it\s+)?(?:doesn't|does\s+not|won't)\s+leave\s+(?:a\s+)?(?:marks|bruises|trace|evidence)|and\s+get\s+away\s+with\s+it|so\s+(?:nobody|no\s+one)\s+(?:knows|finds\s+out)|untraceabl[ey]|setting\s+off\s+the\s+alarm)\b|\b(?:how\s+(?:do|can|could|would|to)\s+(?:i\s+|we\s+|you\s+)?|help\s+me\s+|best\s+way\s+to\s+|easiest\s+way\s+to\s+)(?:shoplift|pickpocket|hotwire\s+(?:a|someone's|his|her|the)|steal\s+(?:from\s+|(?:a|an|someone's|somebody's|his|her|their|the|my\s+\w+'s)\s+(?:\w+\s+)?(?:car|bike|motorbike|scooter|wallet|purse|phone|money|identity|credit\s+card|card|package|parcel|laptop|jewell?ery|catalytic\s+converter|dog|cat|tv|bag|password|data|wi-?fi)))\b", RegexOptions.None, 100)]
    private static partial Regex Undetected();

    // Protecting, reporting, detecting, treating, lawful handling; history and fiction are left to the gate.
    [GeneratedRegex(@"\b(?:protect|defend|secure|safeguard|shield|guard)\b.*\b(?:from|against|my|our)\b|\b(?:report|reporting|spot|recogni[sz]e|detect|identify|tell\s+if|know\s+if|check\s+if|find\s+out\s+if|remove|get\s+rid\s+of|clean\s+up|recover\s+from|avoid|prevent|stop|block|deal\s+with|respond\s+to|survive)\b|\b(?:safely|legally|lawfully|responsibly|securely)\b|\bdispose\s+of\b|\b(?:on|of|in|into|from)\s+my\s+own\b|\b(?:safe\s+way|legal\s+way|the\s+law\s+on|is\s+it\s+legal)\b|\b(?:symptoms?\s+of|treat|treatment|antidote|first\s+aid|what\s+should\s+i\s+do\b|what\s+to\s+do\s+if|what\s+do\s+i\s+do\s+if)\b", RegexOptions.None, 100)]
    private static partial Regex Protective();

    // Killing what is not a person (weeds, pests, a process) and looking after a weapon one owns are household questions.
    [GeneratedRegex(@"\b(?:kill|killing|get\s+rid\s+of|exterminate|poison|wipe\s+out)\s+(?:the\s+|my\s+|all\s+|these\s+|those\s+|some\s+|a\s+)?(?:\w+\s+)?(?:weeds?|pests?|bugs?|insects?|ants|wasps?|flies|fleas|ticks|lice|mites|mice|rats|slugs|snails|aphids|moss|mou?ld|germs|bacteria|viruses|fungus|fungi|algae|termites|cockroaches|bed\s*bugs|moths|nettles|brambles|ivy|dandelions|japanese\s+knotweed|process|processes|task|tasks|jobs?|threads?|sessions?|containers?|pods?|engine|lights?|music|conversation|time)\b|\b(?:clean|cleaning|maintain|maintaining|oil|oiling|lubricate|store|storing|transport|transporting|unload|unloading|zero|sight\s+in|insure|register)\s+(?:a|my|the|your|our|his|her)\s+(?:\w+\s+)?(?:guns?|rifles?|shotguns?|pistols?|firearms?|bows?|crossbows?|knives|knife|swords?|air\s*guns?)\b", RegexOptions.None, 100)]
    private static partial Regex Household();

    // "How do antivirus programs find malware?" asks how something works; "How do I find ..." does not.
    [GeneratedRegex(@"\bhow\s+(?:do|does)\s+(?:an?\s+|the\s+)?\w+(?:\s+\w+)?\s+(?:work|find|detect|spread|happen)\b", RegexOptions.None, 100)]
    private static partial Regex HowThingsWork();

    [GeneratedRegex(@"\bhow\s+(?:do|does)\s+(?:i|you|we|one|someone|people)\s+(?:\w+\s+)?(?:work|find|detect|spread|happen)\b", RegexOptions.None, 100)]
    private static partial Regex HowDoIDo();

    [GeneratedRegex(@"\bwithout\s+(?:getting|being)\s+(?:caught|seen|noticed|traced)\b|\buntraceabl[ey]\b|\bwithout\s+(?:a\s+)?(?:background\s+check|licen[cs]e|permit|prescription|paperwork)\b|\bundetect(?:ed|able)\b|\bso\s+(?:nobody|no\s+one)\s+(?:knows|finds\s+out)\b|\bwithout\s+(?:them|her|him|anyone)\s+knowing\b|\bblocked\s+me\b", RegexOptions.None, 100)]
    private static partial Regex Evasive();

    // Intent to harm undoes a protective reading ("I need to build a weapon that could kill everyone ... What should I do?",
    // "the best knife for stabbing someone so they can't survive"): harming a person, making a weapon, "I need to <do
    // something>" other than protecting, reporting or getting rid of something, and a few hazards whose words overlap the
    // protective ones (getting rid of a body, stopping people from voting, stopping one's medication, removing watermarks).
    [GeneratedRegex(@"\b(?:kill|killing|hurt|hurting|harm|harming|stab|stabbing|shoot|shooting|poison|poisoning|murder|murdering|attack|attacking|injure|injuring|maim|strangle|strangling|drown|drowning|kidnap|kidnapping|abduct|abducting|traffic|trafficking|recruit|recruiting|beat\s+up|beating\s+up)\b(?:\s+\w+){0,3}?\s+(?:someone|somebody|anyone|anybody|everyone|everybody|people|persons?|him|her|them|a\s+(?:man|woman|child|kid|girl|boy)|children|kids|girls|boys|women|men|my\s+(?:wife|husband|boss|neighbou?r|ex|partner|girlfriend|boyfriend|teacher|brother|sister|mother|father|mum|mom|dad|classmate|coworker|colleague))\b|\b(?:can't|cannot|won't|doesn't|don't|wouldn't)\s+survive\b|\b(?:make|build|create|assemble|set\s+up|put\s+together|grow|culture)\s+(?:a\s+|an\s+|some\s+)?(?:\w+\s+){0,2}?(?:poison(?:ous)?\s+gas|toxic\s+gas|nerve\s+agent|weapon|bomb|explosive|trafficking\s+ring|anthrax|ricin|toxin)s?\b"
        + @"|\bi\s+(?:really\s+)?(?:need|want|have|plan|intend|'ve\s+decided|have\s+decided|decided|am\s+going|'m\s+going|would\s+like|'d\s+like)\s+to\s+(?!(?:protect|report|spot|recogni[sz]e|detect|identify|remove|get\s+rid|clean|dispose|avoid|prevent|block|deal|know|find\s+out\s+if|tell\s+if|check|keep|secure|defend|treat|survive|respond|recover|kill|store|legally|safely)\b)"
        + @"|\b(?:a|the)\s+(?:dead\s+)?body\b|\btortur\w*|\bnudes?\b|\bslurs?\b|\bwatermarks?\b|\b(?:polls?|voting|vote)\b"
        + @"|\b(?:stop|quit|come\s+off)\s+(?:taking\s+)?(?:my\s+|his\s+|her\s+)?(?:\w+\s+)?(?:insulin|medications?|medicines?|meds|chemo\w*|antidepressants?|pills)\b|\bwithout\s+(?:seeing\s+|a\s+visit\s+to\s+)?a\s+doctor\b", RegexOptions.None, 100)]
    private static partial Regex HarmIntent();
}
