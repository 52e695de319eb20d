using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aligner.Samples.CorrectionData;

/// <summary>
/// GPT-2's byte-level BPE truncated to its first K merges (id 256+i is merge i), every merge whose result holds a digit
/// dropped (digits one per token), ids renumbered consecutively (the 256 byte tokens first, in GPT-2's order, then the
/// kept merges), then <c>&lt;|endoftext|&gt;</c> (BOS/EOS/PAD/UNK) and <c>&lt;|keep|&gt;</c> (the keep marker).
/// </summary>
internal static class TokenizerBuilder
{
    public const string EndOfText = "<|endoftext|>";
    public const string Keep = "<|keep|>";

    public static (int VocabSize, int Dropped) Build(string gpt2TokenizerJson, string outputFolder, int mergeCount)
    {
        var root = JsonNode.Parse(File.ReadAllText(gpt2TokenizerJson))!.AsObject();
        var model = root["model"]!.AsObject();
        var vocab = model["vocab"]!.AsObject();
        var merges = model["merges"]!.AsArray();
        var idToToken = new Dictionary<int, string>();
        foreach (var (token, id) in vocab) idToToken[id!.GetValue<int>()] = token;

        var newVocab = new JsonObject();
        var newMerges = new JsonArray();
        var next = 0;
        for (var b = 0; b < 256; b++) newVocab[idToToken[b]] = next++;
        var dropped = 0;
        for (var i = 0; i < mergeCount; i++)
        {
            var (left, right) = MergePair(merges[i]!);
            var result = left + right;
            if (idToToken[256 + i] != result)
                throw new InvalidOperationException($"merge {i} ({left} {right}) is not token {256 + i}: the file is not GPT-2's tokenizer.json");
            if (result.Any(char.IsAsciiDigit)) { dropped++; continue; }
            newVocab[result] = next++;
            newMerges.Add(new JsonArray(left, right));
        }
        var eot = next++;
        var keep = next++;

        root["added_tokens"] = new JsonArray(AddedToken(eot, EndOfText), AddedToken(keep, Keep));
        model["vocab"] = newVocab;
        model["merges"] = newMerges;

        Directory.CreateDirectory(outputFolder);
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        File.WriteAllText(Path.Combine(outputFolder, "tokenizer.json"), root.ToJsonString(options) + "\n");
        var config = new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["clean_up_tokenization_spaces"] = false,
            ["add_bos_token"] = false,
            ["add_eos_token"] = false,
            ["bos_token"] = EndOfText,
            ["eos_token"] = EndOfText,
            ["pad_token"] = EndOfText,
            ["unk_token"] = EndOfText,
            ["additional_special_tokens"] = new JsonArray(Keep),
            ["model_max_length"] = 1024,
        };
        File.WriteAllText(Path.Combine(outputFolder, "tokenizer_config.json"), config.ToJsonString(options) + "\n");
        var map = new JsonObject
        {
            ["bos_token"] = EndOfText,
            ["eos_token"] = EndOfText,
            ["pad_token"] = EndOfText,
            ["unk_token"] = EndOfText,
            ["additional_special_tokens"] = new JsonArray(Keep),
        };
        File.WriteAllText(Path.Combine(outputFolder, "special_tokens_map.json"), map.ToJsonString(options) + "\n");
        return (next, dropped);
    }

    private static (string, string) MergePair(JsonNode node)
    {
        if (node is JsonArray a) return (a[0]!.GetValue<string>(), a[1]!.GetValue<string>());
        var s = node.GetValue<string>();
        var space = s.IndexOf(' ');
        return (s[..space], s[(space + 1)..]);
    }

    private static JsonObject AddedToken(int id, string content) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = false,
        ["lstrip"] = false,
        ["rstrip"] = false,
        ["normalized"] = false,
        ["special"] = true,
    };
}
