using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Aligner.Cli.Commands;

/// <summary><c>aligner correct</c>: corrects one question/answer pair or a JSONL batch.</summary>
internal static class CorrectCommand
{
    public static Command Create()
    {
        var question = new Option<string?>("--question", "-q") { Description = "The question. '-' reads it from stdin." };
        var answer = new Option<string?>("--answer", "-a") { Description = "The upstream answer to correct. '-' reads it from stdin." };
        var input = new Option<string?>("--input", "-i") { Description = "JSONL file of {\"question\", \"answer\"} rows ('-' for stdin)." };
        var output = new Option<string?>("--output", "-o") { Description = "Write JSONL results here (default: stdout)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON instead of a before/after view." };
        var template = new Option<string>("--template") { Description = "Prompt template: v1 (released checkpoints), v2, instruct, aspects, chatml.", DefaultValueFactory = _ => "v1" };
        var instruction = new Option<string?>("--instruction") { Description = "Instruction for the instruct/aspects templates." };
        var rounds = new Option<int>("--rounds") { Description = "Correction rounds (stacking); stops early when a round changes nothing.", DefaultValueFactory = _ => 1 };
        var model = CommonOptions.Model();
        var backend = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var dtype = CommonOptions.DType();
        var generation = new GenerationOptionBinder();

        var command = new Command("correct", "Correct an answer (or a JSONL file of them) with a corrector model.")
        {
            question, answer, input, output, json, template, instruction, rounds, model, backend, threads, dtype,
        };
        generation.AddTo(command);

        command.SetGuardedAction(async (r, loggerFactory, ct) =>
        {
            var requests = ReadRequests(r.GetValue(question), r.GetValue(answer), r.GetValue(input), r.GetValue(instruction));
            var options = generation.Bind(r);
            var folder = AlignerHost.ResolveModelFolder(r.GetValue(model));
            var chosenTemplate = CorrectionPromptTemplate.FromName(r.GetValue(template)!);
            int maxRounds = r.GetValue(rounds);
            var weightType = CommonOptions.ParseDType(r.GetValue(dtype));
            if (weightType is not null && !string.Equals(r.GetValue(backend), "torch", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException("--dtype applies to the torch backend; an ONNX export's weight type is chosen when it is exported.");
            if (maxRounds < 1) throw new CliUsageException("--rounds must be at least 1.");

            await using var provider = AlignerHost.Build(folder, r.GetValue(backend)!, r.GetValue(threads), o =>
            {
                o.Template = chosenTemplate;
                o.Generation = options;
                o.MaxRounds = maxRounds;
            }, loggerFactory, weightType);
            var aligner = provider.GetRequiredService<IAligner>();
            loggerFactory.CreateLogger("aligner").LogDebug("Correcting {Count} request(s) with {Model}", requests.Count, folder);

            var results = await aligner.CorrectBatchAsync(requests, ct);
            var outputPath = r.GetValue(output);
            if (outputPath is not null || r.GetValue(input) is not null)
            {
                await WriteJsonl(results, outputPath, ct);
            }
            else if (r.GetValue(json))
            {
                Console.WriteLine(ToJson(results[0]).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                PrintHuman(results[0]);
            }
            return results.Any(x => x.IsFallback && x.FallbackReason != FallbackReason.Skipped) && requests.Count == 1
                ? ExitCodes.CorrectionFailed
                : ExitCodes.Success;
        });
        return command;
    }

    private static List<CorrectionRequest> ReadRequests(string? question, string? answer, string? input, string? instruction)
    {
        if (input is not null)
        {
            if (question is not null || answer is not null) throw new CliUsageException("use either --input or --question/--answer, not both.");
            return ReadJsonl(input, instruction);
        }
        if (question == "-" && answer == "-") throw new CliUsageException("only one of --question and --answer can read stdin.");
        if (question == "-") question = Console.In.ReadToEnd();
        if (answer == "-") answer = Console.In.ReadToEnd();
        if (question is null || answer is null)
            throw new CliUsageException("give --question and --answer (or --input rows.jsonl). Try: aligner correct -q \"How do I boil an egg?\" -a \"Figure it out.\"");
        return [new CorrectionRequest(question, answer) { Instruction = instruction }];
    }

    private static List<CorrectionRequest> ReadJsonl(string path, string? instruction)
    {
        var reader = path == "-" ? Console.In : new StreamReader(File.OpenRead(path));
        var name = path == "-" ? "<stdin>" : path;
        var requests = new List<CorrectionRequest>();
        using (reader)
        {
            int lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                JsonNode? node;
                try { node = JsonNode.Parse(line); }
                catch (JsonException e) { throw new InputDataException($"{name}:{lineNumber}: not valid JSON ({e.Message})."); }
                if (node is not JsonObject obj) throw new InputDataException($"{name}:{lineNumber}: expected a JSON object.");
                string Field(string key) => obj[key] is JsonValue v && v.TryGetValue<string>(out var s)
                    ? s
                    : throw new InputDataException($"{name}:{lineNumber}: field '{key}' is missing or not a string.");
                var rowInstruction = obj["instruction"] is JsonValue iv && iv.TryGetValue<string>(out var i) ? i : instruction;
                requests.Add(new CorrectionRequest(Field("question"), Field("answer")) { Instruction = rowInstruction });
            }
        }
        if (requests.Count == 0) throw new InputDataException($"{name}: no rows.");
        return requests;
    }

    private static async Task WriteJsonl(IReadOnlyList<CorrectionResult> results, string? path, CancellationToken ct)
    {
        TextWriter writer = path is null ? Console.Out : new StreamWriter(path, append: false);
        try
        {
            foreach (var result in results)
            {
                ct.ThrowIfCancellationRequested();
                await writer.WriteLineAsync(ToJson(result).ToJsonString());
            }
        }
        finally
        {
            if (path is not null) await writer.DisposeAsync();
            else await writer.FlushAsync(ct);
        }
    }

    private static JsonObject ToJson(CorrectionResult r) => new()
    {
        ["question"] = r.Question,
        ["answer"] = r.OriginalAnswer,
        ["correction"] = r.CorrectedAnswer,
        ["changed"] = r.Changed,
        ["fallback"] = r.IsFallback,
        ["fallback_reason"] = r.IsFallback ? r.FallbackReason.ToString() : null,
        ["fallback_detail"] = r.FallbackDetail,
        ["answer_truncated"] = r.AnswerTruncated,
        ["model"] = r.ModelId,
        ["rounds"] = r.Rounds,
        ["prompt_tokens"] = r.PromptTokens,
        ["generated_tokens"] = r.GeneratedTokens,
        ["latency_ms"] = Math.Round(r.Latency.TotalMilliseconds, 1),
    };

    private static void PrintHuman(CorrectionResult r)
    {
        AnsiConsole.Write(new Panel(Markup.Escape(r.Question)).Header("Question").Expand());
        AnsiConsole.Write(new Panel(Markup.Escape(r.OriginalAnswer)).Header("Original answer").Expand());
        var header = r.IsFallback ? $"Corrected answer (fallback: {r.FallbackReason})" : r.Changed ? "Corrected answer" : "Corrected answer (unchanged)";
        AnsiConsole.Write(new Panel(Markup.Escape(r.CorrectedAnswer)).Header(header).BorderColor(r.IsFallback ? Color.Yellow : Color.Green).Expand());
        AnsiConsole.MarkupLine($"[grey]model {Markup.Escape(r.ModelId)} · {r.Rounds} round(s) · {r.PromptTokens} prompt + {r.GeneratedTokens} generated tokens · {r.Latency.TotalMilliseconds:F0} ms[/]");
        if (r.FallbackDetail is not null) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(r.FallbackDetail)}[/]");
    }
}
