using System.Text;
using System.Text.Json.Nodes;
using Aligner.Tokenization;

namespace Aligner.Core.Tests.Tokenization;

/// <summary>
/// Seeded mutations of valid tokenizer files: each either loads (and then encodes and decodes) or fails with a typed
/// <see cref="AlignerException"/>; any other exception fails the test with the mutant's index.
/// </summary>
public sealed class MalformedTokenizerFileTests
{
    private static readonly JsonNode?[] Replacements =
    [
        null, -1, 0, 2147483647, 1e300, "", "x", "<s>", true, new JsonArray(), new JsonObject(),
        new JsonArray(1, 2), new JsonArray("a", "b", "c"), new JsonObject { ["type"] = "Nope" },
        new JsonObject { ["String"] = 5 }, new JsonObject { ["Regex"] = "(" },
    ];

    [Fact]
    public void Structural_mutations_of_tokenizer_json_fail_typed()
    {
        var valid = TinyTokenizerJson.SentencePieceStyle();
        var random = new Random(20240601);
        int rejected = 0;
        for (int i = 0; i < 400; i++)
        {
            var mutant = valid.DeepClone().AsObject();
            var nodes = new List<(JsonNode Parent, object Key)>();
            Collect(mutant, nodes);
            var (parent, key) = nodes[random.Next(nodes.Count)];
            var replacement = Replacements[random.Next(Replacements.Length)]?.DeepClone();
            if (key is string name) parent.AsObject()[name] = replacement;
            else parent.AsArray()[(int)key] = replacement;
            rejected += LoadsOrFailsTyped(("tokenizer.json", mutant.ToJsonString()), $"structural mutant {i}");
        }
        Assert.True(rejected > 50, $"only {rejected} mutants were rejected; the mutations do not reach the reader");
    }

    [Fact]
    public void Byte_mutations_of_tokenizer_json_and_config_fail_typed()
    {
        var json = Encoding.UTF8.GetBytes(TinyTokenizerJson.SentencePieceStyle().ToJsonString());
        var config = Encoding.UTF8.GetBytes("{\"bos_token\":{\"content\":\"<s>\"},\"eos_token\":\"</s>\",\"add_bos_token\":true,\"add_eos_token\":false}");
        var random = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            var target = i % 2 == 0 ? json : config;
            var mutant = (byte[])target.Clone();
            switch (random.Next(3))
            {
                case 0: mutant[random.Next(mutant.Length)] = (byte)random.Next(256); break;
                case 1: mutant = mutant[..random.Next(mutant.Length)]; break;
                default:
                    int at = random.Next(mutant.Length - 1);
                    (mutant[at], mutant[at + 1]) = (mutant[at + 1], mutant[at]);
                    break;
            }
            var files = i % 2 == 0
                ? new[] { ("tokenizer.json", Encoding.UTF8.GetString(mutant)), ("tokenizer_config.json", Encoding.UTF8.GetString(config)) }
                : [("tokenizer.json", Encoding.UTF8.GetString(json)), ("tokenizer_config.json", Encoding.UTF8.GetString(mutant))];
            LoadsOrFailsTyped(files, $"byte mutant {i}");
        }
    }

    [Fact]
    public void Byte_mutations_of_a_sentencepiece_model_fail_typed()
    {
        var valid = File.ReadAllBytes(Path.Combine(SentencePieceModelTests.Folder("spm-bpe-llama"), "tokenizer.model"));
        var random = new Random(11);
        for (int i = 0; i < 200; i++)
        {
            var mutant = (byte[])valid.Clone();
            for (int k = 0; k < 1 + random.Next(4); k++) mutant[random.Next(mutant.Length)] = (byte)random.Next(256);
            if (i % 5 == 0) mutant = mutant[..random.Next(mutant.Length)];
            using var folder = new TinyTokenizerJson.Folder();
            File.WriteAllBytes(Path.Combine(folder.Path, "tokenizer.model"), mutant);
            Check(folder.Path, $"tokenizer.model mutant {i}");
        }
    }

    private static int LoadsOrFailsTyped((string Name, string Content)[] files, string what)
    {
        using var folder = new TinyTokenizerJson.Folder(files);
        return Check(folder.Path, what);
    }

    private static int LoadsOrFailsTyped((string Name, string Content) file, string what) => LoadsOrFailsTyped([file], what);

    private static int Check(string folder, string what)
    {
        try
        {
            var tokenizer = TokenizerLoader.Load(folder);
            var ids = tokenizer.Encode("hello world <s> zé 😀", parseSpecialTokens: true);
            tokenizer.Decode(ids);
            return 0;
        }
        catch (AlignerException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), what);
            return 1;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: untyped {e.GetType().Name}: {e.Message}");
            return 0;
        }
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> output)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    if (name != "vocab") output.Add((o, name));
                    if (child is not null && name != "vocab") Collect(child, output);
                }
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                {
                    output.Add((a, i));
                    if (a[i] is JsonNode child) Collect(child, output);
                }
                break;
        }
    }
}
