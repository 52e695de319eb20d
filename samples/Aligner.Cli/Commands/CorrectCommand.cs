using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Aligner.Cli.Io;
using Spectre.Console;

namespace Aligner.Cli.Commands;

/// <summary>The options of <c>correct --input</c> batches: what to do with bad rows, and whether to replace an existing output.</summary>
internal sealed class BatchOptionSet
{
    private readonly Option<string> _onError = new Option<string>("--on-error")
    {
        Description = "What a bad input row does: fail (stop with its line number; the default) or skip (write it to the errors file and go on).",
        DefaultValueFactory = _ => "fail",
    }.AcceptOnlyFromAmong("fail", "skip");

    public Option<string?> Errors { get; } = new("--errors") { Description = "Where --on-error skip writes bad rows (default: <output>.errors.jsonl)." };

    public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "Replace an existing --output instead of resuming it." };

    public OnRowError OnError(ParseResult r) => r.GetValue(_onError) == "skip" ? OnRowError.Skip : OnRowError.Fail;

    public void AddTo(Command command)
    {
        command.Options.Add(_onError);
        command.Options.Add(Errors);
        command.Options.Add(Overwrite);
    }
}

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
        var template = new Option<string>("--template") { Description = "Prompt template: auto (default: instruct with the corrector's own per-category instructions when its config.json declares aligner_instructions, else v1), v1 (released checkpoints), v2, instruct (Instruct-Aligner), aspects (MetaAligner), chatml, chat (a chat-tuned corrector).", DefaultValueFactory = _ => "auto" };
        var instruction = new Option<string?>("--instruction") { Description = "Instruction for the instruct/aspects templates." };
        var rounds = new Option<int>("--rounds") { Description = "Correction rounds (stacking); stops early when a round changes nothing.", DefaultValueFactory = _ => 1 };
        var model = CommonOptions.Model();
        var backend = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var dtype = CommonOptions.DType();
        var quantize = CommonOptions.Quantize();
        var memoryLimit = CommonOptions.MemoryLimit();
        var weights = CommonOptions.Weights();
        var gate = CommonOptions.Gate();
        var facts = CommonOptions.Facts();
        var minTopic = CommonOptions.MinTopicSimilarity();
        var safetyRules = CommonOptions.SafetyRules();
        var generation = new GenerationOptionBinder();

        var command = new Command("correct", "Correct an answer (or a JSONL file of them) with a corrector model.")
        {
            question, answer, input, output, json, template, instruction, rounds, model, backend, threads, dtype, quantize, memoryLimit, weights, gate, facts, minTopic, safetyRules,
        };
        generation.AddTo(command);

        rounds.MustBeAtLeast(1);
        template.AcceptOnlyFromAmong(["auto", .. CliNames.Templates]);
        var batchOptions = new BatchOptionSet();
        batchOptions.AddTo(command);

        command.SetGuardedAction(async (r, loggerFactory, ct) =>
        {
            // Everything that can be wrong with the command line or the files is found before the model is loaded.
            var inputPath = r.GetValue(input);
            var outputPath = r.GetValue(output);
            var rowInstruction = r.GetValue(instruction);
            BatchCorrection? batchRun = null;
            CorrectionRequest? single = null;
            string? singleOutput = null;
            if (inputPath is not null)
            {
                if (r.GetValue(question) is not null || r.GetValue(answer) is not null) throw new CliUsageException("use either --input or --question/--answer, not both.");
                // Windows of 32 rows: one gate call each, and the corrector's chunks (MaxBatchSize) filled with flagged rows only;
                // every row is still written as soon as the rows before it are.
                batchRun = BatchCorrection.Prepare(inputPath, outputPath, r.GetValue(batchOptions.Errors), batchOptions.OnError(r),
                    r.GetValue(batchOptions.Overwrite), rowInstruction, batchSize: 32);
                if (batchRun.PendingRows == 0)
                {
                    Console.Error.WriteLine($"aligner: all {batchRun.TotalRows} rows are already in {outputPath}; nothing to do (pass --overwrite to redo them).");
                    return ExitCodes.Success;
                }
            }
            else
            {
                single = ReadSingleRequest(r.GetValue(question), r.GetValue(answer), rowInstruction);
                if (outputPath is not null)
                {
                    singleOutput = OutputTarget.ValidateFilePath(outputPath, "--output");
                    OutputTarget.RefuseExisting(singleOutput, "--output", r.GetValue(batchOptions.Overwrite));
                }
            }
            var options = generation.Bind(r);
            var folder = AlignerHost.ResolveModelFolder(r.GetValue(model));
            var gateFolder = AlignerHost.ResolveGateFolder(r.GetValue(gate), folder);
            int maxRounds = r.GetValue(rounds);
            var weightType = CommonOptions.ParseDType(r.GetValue(dtype));
            var quantization = CommonOptions.ParseQuantize(r.GetValue(quantize));
            var memoryBudget = CommonOptions.ParseMemoryLimit(r.GetValue(memoryLimit));
            var weightStorage = CommonOptions.ParseWeights(r.GetValue(weights));
            bool torchOnly = weightType is not null || quantization == Aligner.Backends.Torch.TorchWeightQuantization.Int8 || memoryBudget is not null
                || weightStorage != Aligner.Backends.Torch.TorchWeightStorage.Auto;
            var requested = r.GetValue(backend)!;
            if (weightType is not null && string.Equals(requested, "onnx", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException("--dtype applies to the torch backend; an ONNX export's weight type is chosen when it is exported.");
            if (quantization == Aligner.Backends.Torch.TorchWeightQuantization.Int8 && string.Equals(requested, "onnx", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException("--quantize applies to the torch backend; quantize an ONNX model with `aligner export-onnx --quantize`.");
            if (memoryBudget is not null && string.Equals(requested, "onnx", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException("--memory-limit applies to the torch backend.");
            if (weightStorage != Aligner.Backends.Torch.TorchWeightStorage.Auto && string.Equals(requested, "onnx", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException("--weights applies to the torch backend (ONNX Runtime maps an export's external data by itself).");
            var (backendName, backendFolder) = AlignerHost.ResolveBackend(requested, folder, torchOnly, loggerFactory.CreateLogger("aligner"));

            await using var provider = AlignerHost.Build(backendFolder, backendName, r.GetValue(threads), o =>
            {
                AlignerHost.ApplyModelDefaults(o, folder, r.GetValue(template), gateFolder);
                o.Generation = options;
                o.MaxRounds = maxRounds;
                o.FactCheckers = CommonOptions.FactCheckers(r.GetValue(facts), folder);
                o.KnowledgeSources = CommonOptions.KnowledgeSources(r.GetValue(facts), folder);
                CommonOptions.ApplyTopicCheck(o, r.GetValue(minTopic));
            }, loggerFactory, weightType, gateFolder, quantization, memoryBudget, weightStorage, r.GetValue(safetyRules) == "on");
            var aligner = provider.GetRequiredService<IAligner>();

            if (batchRun is not null)
            {
                loggerFactory.CreateLogger("aligner").LogDebug("Correcting {Count} row(s) with {Model}", batchRun.PendingRows, folder);
                var (_, skipped, fallbacks) = await RowProgress.RunAsync("correct", batchRun.TotalRows, batchRun.DoneRows,
                    report => batchRun.RunAsync(aligner, report, ct));
                if (fallbacks > 0) Console.Error.WriteLine($"aligner: {fallbacks} row(s) kept the original answer because the correction failed or was not about the question (\"fallback\": true and \"fallback_reason\" in the output).");
                if (skipped > 0) Console.Error.WriteLine($"aligner: {skipped} row(s) skipped, see {r.GetValue(batchOptions.Errors) ?? BatchCorrection.DefaultErrorsPath(Path.GetFullPath(outputPath!))}.");
                return ExitCodes.Success;
            }

            var result = await aligner.CorrectAsync(single!, ct);
            if (singleOutput is not null)
                await OutputTarget.WriteFileAsync(singleOutput, temp => File.WriteAllTextAsync(temp, ToJson(result).ToJsonString(JsonlRows.LineOptions) + "\n", ct));
            else if (r.GetValue(json))
                Console.WriteLine(ToJson(result).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else
                PrintHuman(result);
            return result.IsFallback && result.FallbackReason != FallbackReason.Skipped ? ExitCodes.CorrectionFailed : ExitCodes.Success;
        });
        return command;
    }

    private static CorrectionRequest ReadSingleRequest(string? question, string? answer, string? instruction)
    {
        if (question == "-" && answer == "-") throw new CliUsageException("only one of --question and --answer can read stdin.");
        if (question == "-") question = Console.In.ReadToEnd();
        if (answer == "-") answer = Console.In.ReadToEnd();
        if (question is null || answer is null)
            throw new CliUsageException("give --question and --answer (or --input rows.jsonl). Try: aligner correct -q \"How do I boil an egg?\" -a \"Figure it out.\"");
        return new CorrectionRequest(question, answer) { Instruction = instruction };
    }

    internal static JsonObject ToJson(CorrectionResult r) => new()
    {
        ["question"] = r.Question,
        ["answer"] = r.OriginalAnswer,
        ["correction"] = r.CorrectedAnswer,
        ["changed"] = r.Changed,
        ["kept"] = r.Kept,
        ["keep_probability"] = r.KeepProbability is { } p ? Math.Round(p, 4) : null,
        ["gate"] = r.Gate is { } g ? new JsonObject
        {
            ["decision"] = g.Correct ? "correct" : "keep",
            ["score"] = g.Score is { } s ? Math.Round(s, 4) : null,
            ["threshold"] = g.Threshold is { } t ? Math.Round(t, 4) : null,
            ["harm_score"] = g.HarmScore is { } h ? Math.Round(h, 4) : null,
            ["tone_score"] = g.ToneScore is { } tone ? Math.Round(tone, 4) : null,
            ["category"] = g.Category,
            ["rule"] = g.Rule,
        } : null,
        ["fact_checks"] = r.FactChecks is { } checks ? new JsonArray([.. checks.Select(c => (JsonNode)new JsonObject
        {
            ["checker"] = c.CheckerId,
            ["claim"] = c.Claim,
            ["expected"] = c.Expected,
            ["reason"] = c.Reason,
        })]) : null,
        ["knowledge"] = r.Knowledge is { } k ? new JsonObject { ["source"] = k.SourceId, ["topic"] = k.Topic } : null,
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
        var header = r.IsFallback ? $"Corrected answer (fallback: {r.FallbackReason})"
            : r.FactChecks is { Count: > 0 } ? "Corrected answer (fact check)"
            : r.Knowledge is { } known ? $"Corrected answer (from {known.SourceId}: {known.Topic})"
            : r.Changed ? "Corrected answer"
            : r.Kept && r.Gate is { Correct: false } g ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Corrected answer (kept: the gate judged it fine, score {g.Score:F2} below {g.Threshold:F2})")
            : r.Kept ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Corrected answer (kept: the corrector judged it fine, keep probability {r.KeepProbability:F2})")
            : "Corrected answer (unchanged)";
        AnsiConsole.Write(new Panel(Markup.Escape(r.CorrectedAnswer)).Header(header).BorderColor(r.IsFallback ? Color.Yellow : Color.Green).Expand());
        AnsiConsole.MarkupLine($"[grey]model {Markup.Escape(r.ModelId)} · {r.Rounds} round(s) · {r.PromptTokens} prompt + {r.GeneratedTokens} generated tokens · {r.Latency.TotalMilliseconds:F0} ms[/]");
        if (r.Gate is { } gate)
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"gate {gate.GateId}: {(gate.Correct ? "correct" : "keep")}{(gate.Category is { } c ? $" ({c})" : "")}, score {gate.Score:F2} (threshold {gate.Threshold:F2}){(gate.HarmScore is { } h ? $", harm {h:F2}" : "")}{(gate.Rule is { } rule ? $"; safety rule: {rule}" : "")}")).Insert(0, "[grey]") + "[/]");
        foreach (var check in r.FactChecks ?? [])
            AnsiConsole.MarkupLine("[grey]" + Markup.Escape($"fact check {check.CheckerId}: \"{check.Claim}\" → \"{check.Expected}\" ({check.Reason}); no generation") + "[/]");
        if (r.Knowledge is { } k)
            AnsiConsole.MarkupLine("[grey]" + Markup.Escape($"knowledge {k.SourceId}: answered what the question asks about ({k.Topic}) from data; no generation") + "[/]");
        if (r.FallbackDetail is not null) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(r.FallbackDetail)}[/]");
    }
}
