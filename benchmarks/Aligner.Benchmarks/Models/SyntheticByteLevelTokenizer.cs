using System.Text.Json;
using System.Text.Encodings.Web;

namespace Aligner.Benchmarks.Models;

/// <summary>
/// Writes a valid byte-level BPE <c>tokenizer.json</c> of any size (at least 258): the 256 byte tokens, merges of byte pairs
/// in a fixed order up to the size, and <c>&lt;|endoftext|&gt;</c> as the last id. Benchmarks need a tokenizer of the
/// right size, not a trained one.
/// </summary>
public static class SyntheticByteLevelTokenizer
{
    /// <summary>The tokenizer configuration file written beside <c>tokenizer.json</c>.</summary>
    public const string ConfigFileName = "tokenizer_config.json";

    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> (end-of-text as EOS and padding) into <paramref name="folder"/>; returns the end-of-text id.</summary>
    public static int Write(string folder, int vocabularySize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 258);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vocabularySize, 256 + 256 * 256 + 1);
        var chars = ByteAlphabet();
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) vocab[chars[b].ToString()] = b;
        var merges = new List<string[]>();
        for (int pair = 0; vocab.Count < vocabularySize - 1; pair++)
        {
            var left = chars[pair / 256].ToString();
            var right = chars[pair % 256].ToString();
            vocab[left + right] = vocab.Count;
            merges.Add([left, right]);
        }
        int endOfText = vocab.Count;
        var byteLevel = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = true };
        var doc = new
        {
            version = "1.0",
            added_tokens = new[] { new { id = endOfText, content = "<|endoftext|>", single_word = false, lstrip = false, rstrip = false, normalized = false, special = true } },
            normalizer = (object?)null,
            pre_tokenizer = byteLevel,
            post_processor = byteLevel,
            decoder = byteLevel,
            model = new
            {
                type = "BPE", dropout = (object?)null, unk_token = (string?)null, continuing_subword_prefix = "", end_of_word_suffix = "",
                fuse_unk = false, byte_fallback = false, vocab, merges,
            },
        };
        var json = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), JsonSerializer.Serialize(doc, json));
        File.WriteAllText(Path.Combine(folder, ConfigFileName), JsonSerializer.Serialize(new
        {
            tokenizer_class = "PreTrainedTokenizerFast", eos_token = "<|endoftext|>", pad_token = "<|endoftext|>", bos_token = (string?)null,
            add_bos_token = false, add_eos_token = false, model_max_length = 2048,
        }, json));
        return endOfText;
    }

    /// <summary>GPT-2's printable stand-ins for the 256 byte values.</summary>
    private static char[] ByteAlphabet()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
            map[b] = b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ' ? (char)b : (char)next++;
        return map;
    }
}
