using System.Text;
using System.Text.Json.Nodes;
using Aligner.Cli.Io;

namespace Aligner.Cli.Commands;

/// <summary>What to do with a row that cannot be corrected (not JSON, a field missing or empty, the pipeline refused it).</summary>
internal enum OnRowError
{
    /// <summary>Stop the run with the row's line number (the rows before it are kept in the output).</summary>
    Fail,
    /// <summary>Write the row and the reason to the errors file and go on.</summary>
    Skip,
}

/// <summary>
/// <c>aligner correct --input rows.jsonl [--output out.jsonl]</c>: corrects a JSONL file row by row, writing and
/// flushing every finished row in input order. Each output row carries its input <c>line</c> (and <c>id</c> when the
/// input has one), so a rerun with the same output checks that the file belongs to this input (by each row's key: its
/// id, or a hash of question and answer) and resumes after the last complete row; a truncated last line (the process
/// was killed mid-write) is cut off first.
/// </summary>
internal sealed class BatchCorrection
{
    private readonly string _inputName;
    private readonly List<Item> _items;
    private readonly string? _outputPath;
    private readonly string? _errorsPath;
    private readonly bool _writeThroughTemp;
    private readonly long _resumeBytes;
    private readonly int _resumeFromLine;
    private readonly List<string> _keptErrorLines;
    private readonly int _doneRows;
    private readonly int _batchSize;

    private sealed record Item(int Line, string? Key, CorrectionRequest? Request, JsonNode? Id, string? Error, JsonObject? Raw);

    private BatchCorrection(string inputName, List<Item> items, string? outputPath, string? errorsPath, bool writeThroughTemp,
        long resumeBytes, int resumeFromLine, List<string> keptErrorLines, int doneRows, int batchSize)
    {
        (_inputName, _items, _outputPath, _errorsPath, _writeThroughTemp) = (inputName, items, outputPath, errorsPath, writeThroughTemp);
        (_resumeBytes, _resumeFromLine, _keptErrorLines, _doneRows, _batchSize) = (resumeBytes, resumeFromLine, keptErrorLines, doneRows, batchSize);
    }

    /// <summary>Rows in the input (valid or not).</summary>
    public int TotalRows => _items.Count;

    /// <summary>Rows already finished by an earlier run (resumed), or 0.</summary>
    public int DoneRows => _doneRows;

    /// <summary>Rows still to do.</summary>
    public int PendingRows => _items.Count(i => i.Line > _resumeFromLine);

    /// <summary>
    /// Everything that can be checked before the model is loaded: the input is read and every row validated, the
    /// output and errors paths are checked, and an existing output is matched against the input for resuming.
    /// </summary>
    public static BatchCorrection Prepare(string input, string? output, string? errors, OnRowError onError, bool overwrite, string? instruction, int batchSize)
    {
        var inputName = JsonlRows.DisplayName(input);
        string? outputPath = output is null ? null : OutputTarget.ValidateFilePath(output, "--output");
        string? errorsPath = null;
        if (onError == OnRowError.Skip)
        {
            errorsPath = errors is not null ? OutputTarget.ValidateFilePath(errors, "--errors")
                : outputPath is not null ? DefaultErrorsPath(outputPath)
                : throw new CliUsageException("--on-error skip needs --output (or --errors) to know where the bad rows go.");
            if (errorsPath == outputPath) throw new CliUsageException("--errors must be another file than --output.");
        }
        else if (errors is not null) throw new CliUsageException("--errors is only used with --on-error skip.");

        var items = JsonlRows.ReadAll(input).Select(r => ToItem(r, instruction)).ToList();
        if (items.Count == 0) throw new InputDataException($"{inputName}: no rows.");
        var bad = items.Where(i => i.Error is not null).ToList();
        if (bad.Count > 0 && onError == OnRowError.Fail)
            throw new InputDataException($"{inputName}:{bad[0].Line}: {bad[0].Error}"
                + (bad.Count > 1 ? $" ({bad.Count} bad rows in all, the first is shown)" : "")
                + " Fix the row, or pass --on-error skip to write bad rows to an errors file and correct the rest.");

        bool outputHasContent = outputPath is not null && OutputTarget.ExistsWithContent(outputPath);
        if (outputPath is null || !outputHasContent || overwrite)
        {
            if (!overwrite && errorsPath is not null) OutputTarget.RefuseExisting(errorsPath, "--errors", overwrite: false);
            return new BatchCorrection(inputName, items, outputPath, errorsPath, writeThroughTemp: outputHasContent, 0, 0, [], 0, batchSize);
        }
        return Resume(inputName, items, outputPath, errorsPath, batchSize);
    }

    /// <summary>The errors file next to an output: <c>out.jsonl</c> → <c>out.errors.jsonl</c>.</summary>
    public static string DefaultErrorsPath(string outputPath) =>
        Path.Combine(Path.GetDirectoryName(outputPath)!, Path.GetFileNameWithoutExtension(outputPath) + ".errors" + Path.GetExtension(outputPath));

    private static Item ToItem(JsonlRow row, string? defaultInstruction)
    {
        if (row.Object is not { } obj) return new Item(row.Line, null, null, null, row.Error, null);
        var question = JsonlRows.RequiredText(obj, "question", out var error);
        var answer = question is null ? null : JsonlRows.RequiredText(obj, "answer", out error);
        if (question is null || answer is null) return new Item(row.Line, null, null, null, error, obj);
        var id = obj["id"]?.DeepClone();
        var instruction = obj["instruction"] is JsonValue iv && iv.TryGetValue<string>(out var i) ? i : defaultInstruction;
        return new Item(row.Line, JsonlRows.Key(id, question, answer), new CorrectionRequest(question, answer) { Instruction = instruction }, id, null, obj);
    }

    /// <summary>Matches an existing output against the input: every complete row must be the result of the input row it names.</summary>
    private static BatchCorrection Resume(string inputName, List<Item> items, string outputPath, string? errorsPath, int batchSize)
    {
        var bytes = File.ReadAllBytes(outputPath);
        int completeEnd = Array.LastIndexOf(bytes, (byte)'\n') + 1; // a last line without its newline was cut off mid-write
        var byLine = items.ToDictionary(i => i.Line);
        string Mismatch(int outputLine, string why) =>
            $"--output '{outputPath}' line {outputLine} {why}, so the file is not an earlier run of this command on {inputName}; pass --overwrite to start over, or choose another --output.";

        // The cut-off line must look like the start of a row this command writes, or the file is someone else's.
        var fragment = Encoding.UTF8.GetString(bytes, completeEnd, bytes.Length - completeEnd);
        if (fragment.Length > 0 && !fragment.StartsWith("{\"id\":", StringComparison.Ordinal) && !fragment.StartsWith("{\"line\":", StringComparison.Ordinal))
            throw new CliUsageException(Mismatch(Array.FindAll(bytes, b => b == (byte)'\n').Length + 1, "is not a result row"));

        var lines = Encoding.UTF8.GetString(bytes, 0, completeEnd).Split('\n');
        int lastInputLine = 0, rows = 0;
        for (int n = 0; n < lines.Length - 1; n++)
        {
            var parsed = JsonlRows.Parse(lines[n], n + 1);
            if (parsed.Object is not { } obj || obj["line"] is not JsonValue lv || !lv.TryGetValue<int>(out int inputLine))
                throw new CliUsageException(Mismatch(n + 1, "is not a result row with an input 'line'"));
            var question = obj["question"] is JsonValue qv && qv.TryGetValue<string>(out var q) ? q : "";
            var answer = obj["answer"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : "";
            if (inputLine <= lastInputLine || !byLine.TryGetValue(inputLine, out var item) || item.Key != JsonlRows.Key(obj["id"], question, answer))
                throw new CliUsageException(Mismatch(n + 1, $"does not match input line {inputLine}"));
            lastInputLine = inputLine;
            rows++;
        }

        // Every input row up to the last one written must be in the output or (when skipped) in the errors file.
        var kept = new List<string>();
        var skipped = new HashSet<int>();
        if (errorsPath is not null && File.Exists(errorsPath))
        {
            foreach (var text in File.ReadLines(errorsPath))
            {
                if (JsonlRows.Parse(text, 0).Object?["line"] is JsonValue v && v.TryGetValue<int>(out int line) && line <= lastInputLine)
                {
                    kept.Add(text);
                    skipped.Add(line);
                }
            }
        }
        var missing = items.FirstOrDefault(i => i.Line <= lastInputLine && !skipped.Contains(i.Line) && i.Error is not null);
        int expected = items.Count(i => i.Line <= lastInputLine && !skipped.Contains(i.Line));
        if (missing is not null || expected != rows)
            throw new CliUsageException(Mismatch(rows, "leaves out input rows before it (and the errors file does not list them)"));
        return new BatchCorrection(inputName, items, outputPath, errorsPath, writeThroughTemp: false, completeEnd, lastInputLine, kept, rows + skipped.Count, batchSize);
    }

    /// <summary>Corrects the pending rows, writing each result (and each bad row) in input order.</summary>
    /// <returns>Rows written to the output, rows written to the errors file, and written rows that fell back to the original answer.</returns>
    public async Task<(int Written, int Skipped, int Fallbacks)> RunAsync(IAligner aligner, Action<int> reportDone, CancellationToken ct)
    {
        string? outputTemp = _writeThroughTemp ? OutputTarget.TempSibling(_outputPath!) : null;
        TextWriter output = _outputPath is null ? Console.Out : OpenOutput(outputTemp ?? _outputPath);
        // An existing errors file is rewritten at once (a resumed run keeps the part already done), never left stale.
        TextWriter? errors = _errorsPath is not null && File.Exists(_errorsPath) ? OpenErrors() : null;
        int written = 0, skipped = 0, fallbacks = 0, done = _doneRows;
        bool completed = false;
        try
        {
            var pending = _items.Where(i => i.Line > _resumeFromLine).ToList();
            var batch = new List<Item>();
            foreach (var item in pending)
            {
                if (item.Error is null)
                {
                    batch.Add(item);
                    if (batch.Count < _batchSize) continue;
                }
                await FlushBatch();
                if (item.Error is not null) await WriteError(item, item.Error);
            }
            await FlushBatch();
            completed = true;

            async Task FlushBatch()
            {
                if (batch.Count == 0) return;
                var requests = batch.Select(b => b.Request!).ToList();
                int next = 0;   // rows of the batch written so far, in input order
                try
                {
                    if (aligner is ResidualAligner pipeline)
                    {
                        // Results come as they are ready (gate-kept and fact-checked rows first, then the corrector's
                        // chunks); each is written as soon as every row before it is.
                        var ready = new CorrectionResult?[batch.Count];
                        await foreach (var (index, result) in pipeline.CorrectBatchAsCompletedAsync(requests, ct))
                        {
                            ready[index] = result;
                            while (next < batch.Count && ready[next] is { } r) { await WriteResult(batch[next], r); next++; }
                        }
                    }
                    else
                    {
                        var results = await aligner.CorrectBatchAsync(requests, ct);
                        for (; next < batch.Count; next++) await WriteResult(batch[next], results[next]);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException) { }
                for (int k = next; k < batch.Count; k++)
                {
                    // The batch failed: find the row(s) at fault one by one, keeping input order in both files.
                    CorrectionResult result;
                    try { result = await aligner.CorrectAsync(batch[k].Request!, ct); }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        if (_errorsPath is null) throw new RowFailedException($"{_inputName}:{batch[k].Line}: {e.Message}", e);
                        await WriteError(batch[k], e.Message);
                        continue;
                    }
                    await WriteResult(batch[k], result);
                }
                batch.Clear();
            }

            async Task WriteResult(Item item, CorrectionResult result)
            {
                var row = new JsonObject();
                if (item.Id is { } id) row["id"] = id.DeepClone();
                row["line"] = item.Line;
                foreach (var (name, value) in CorrectCommand.ToJson(result)) row[name] = value?.DeepClone();
                await output.WriteLineAsync(row.ToJsonString(JsonlRows.LineOptions));
                await output.FlushAsync(CancellationToken.None);
                written++;
                if (result.IsFallback && result.FallbackReason != FallbackReason.Skipped) fallbacks++;
                reportDone(++done);
            }

            async Task WriteError(Item item, string reason)
            {
                errors ??= OpenErrors();
                var row = new JsonObject { ["line"] = item.Line, ["error"] = reason };
                if (item.Raw is { } raw) row["row"] = raw.DeepClone();
                await errors.WriteLineAsync(row.ToJsonString(JsonlRows.LineOptions));
                await errors.FlushAsync(CancellationToken.None);
                skipped++;
                reportDone(++done);
            }
        }
        catch (OperationCanceledException e)
        {
            var where = _outputPath is null ? "were written" : $"are in {_outputPath}; rerun the same command to resume";
            throw new CliCancelledException($"cancelled: {done} of {_items.Count} rows {where}.", e);
        }
        finally
        {
            if (_outputPath is not null) await output.DisposeAsync();
            if (errors is not null) await errors.DisposeAsync();
            if (outputTemp is not null)
            {
                // --overwrite: the old file is replaced by what this run wrote (complete, or a valid partial to resume from).
                if (completed || written > 0) File.Move(outputTemp, _outputPath!, overwrite: true);
                OutputTarget.TryDelete(outputTemp);
            }
        }
        return (written, skipped, fallbacks);
    }

    private StreamWriter OpenOutput(string path)
    {
        var stream = new FileStream(path, _resumeBytes > 0 ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.Write, FileShare.Read);
        if (_resumeBytes > 0)
        {
            stream.SetLength(_resumeBytes); // drops a line cut off mid-write
            stream.Seek(0, SeekOrigin.End);
        }
        return new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
    }

    private StreamWriter OpenErrors()
    {
        // A resumed run keeps the error rows of the part already done; rows after it will be written again.
        var writer = new StreamWriter(new FileStream(_errorsPath!, FileMode.Create, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { NewLine = "\n" };
        foreach (var line in _keptErrorLines) writer.WriteLine(line);
        return writer;
    }
}

/// <summary>One input row failed in the pipeline; the message names the file and line, the exit code is the inner error's.</summary>
internal sealed class RowFailedException(string message, Exception inner) : Exception(message, inner);

/// <summary>The run was cancelled (Ctrl-C); the message says what was kept.</summary>
internal sealed class CliCancelledException(string message, Exception inner) : OperationCanceledException(message, inner);
