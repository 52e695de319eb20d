using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Aligner.Training.WeakToStrong;

/// <summary>
/// Turns (question, upstream answer) rows into weak-to-strong training data with an <see cref="IAligner"/>: every
/// correction goes to <see cref="CorrectionsFileName"/>, SFT rows (question → corrected answer) to
/// <see cref="SftFileName"/>, and preference rows (chosen = correction, rejected = original; unchanged pairs skipped
/// and counted) to <see cref="PreferencesFileName"/>. Rows are corrected in batches; after each batch the files are
/// flushed and <see cref="StateFileName"/> is replaced atomically, so an interrupted run resumes where it stopped,
/// with no row lost or written twice (rows are identified by <see cref="SynthesisInput.EffectiveKey"/>).
/// </summary>
public sealed class CorrectionSynthesizer
{
    /// <summary>Every recorded correction: <c>key</c>, <c>question</c>, <c>answer</c>, <c>correction</c>, <c>changed</c>, <c>fallback</c>.</summary>
    public const string CorrectionsFileName = "corrections.jsonl";

    /// <summary>SFT rows: <c>key</c>, <c>prompt</c>, <c>completion</c>.</summary>
    public const string SftFileName = "sft.jsonl";

    /// <summary>Preference rows: <c>key</c>, <c>prompt</c>, <c>chosen</c>, <c>rejected</c>.</summary>
    public const string PreferencesFileName = "preferences.jsonl";

    /// <summary>The committed state (byte lengths of the files and running totals).</summary>
    public const string StateFileName = "synthesis-state.json";

    private const string LockFileName = ".synthesis.lock";

    private readonly IAligner _aligner;
    private readonly CorrectionSynthesizerOptions _options;

    /// <summary>Creates a synthesizer.</summary>
    /// <param name="aligner">The corrector pipeline.</param>
    /// <param name="options">Options; defaults when null.</param>
    public CorrectionSynthesizer(IAligner aligner, CorrectionSynthesizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(aligner);
        _aligner = aligner;
        _options = options ?? new CorrectionSynthesizerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, "options.BatchSize");
    }

    /// <summary>
    /// Corrects the rows into <paramref name="outputFolder"/>, resuming from what an earlier run there committed.
    /// Cancelling keeps every committed batch.
    /// </summary>
    /// <param name="inputs">The rows; those whose key is already recorded are skipped.</param>
    /// <param name="outputFolder">The folder of the output files; created when missing.</param>
    /// <param name="progress">Receives the summary after every committed batch.</param>
    /// <param name="cancellationToken">Stops the run after the last committed batch.</param>
    /// <returns>The summary of the run.</returns>
    /// <exception cref="SynthesisStateException">The folder is held by another run or its files cannot be resumed from.</exception>
    /// <exception cref="InvalidOperationException">A row has no answer and no <see cref="CorrectionSynthesizerOptions.Upstream"/> is set.</exception>
    public async Task<SynthesisSummary> RunAsync(IEnumerable<SynthesisInput> inputs, string outputFolder,
        IProgress<SynthesisSummary>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        Directory.CreateDirectory(outputFolder);
        using var folderLock = AcquireLock(Path.Combine(outputFolder, LockFileName));

        var paths = new OutputPaths(outputFolder);
        var state = Prepare(paths);
        var recordedKeys = ReadRecordedKeys(paths.Corrections, state.Recorded);

        await using var corrections = OpenAppend(paths.Corrections);
        await using var sft = OpenAppend(paths.Sft);
        await using var preferences = OpenAppend(paths.Preferences);
        var run = new RunCounts();
        var seenThisRun = new HashSet<string>(StringComparer.Ordinal);
        var batch = new List<(SynthesisInput Input, string Key)>(_options.BatchSize);

        foreach (var input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input, nameof(inputs));
            var key = input.EffectiveKey;
            if (recordedKeys.Contains(key)) { run.AlreadyDone++; continue; }
            if (!seenThisRun.Add(key)) { run.Duplicates++; continue; }
            if (string.IsNullOrWhiteSpace(input.Question) || (input.Answer is not null && string.IsNullOrWhiteSpace(input.Answer))) { run.Invalid++; continue; }
            batch.Add((input, key));
            if (batch.Count == _options.BatchSize)
            {
                state = await CommitBatchAsync(batch, state, run, corrections, sft, preferences, paths, cancellationToken).ConfigureAwait(false);
                progress?.Report(Summarize(state, run));
                batch.Clear();
            }
        }
        if (batch.Count > 0)
        {
            state = await CommitBatchAsync(batch, state, run, corrections, sft, preferences, paths, cancellationToken).ConfigureAwait(false);
            progress?.Report(Summarize(state, run));
        }
        return Summarize(state, run);
    }

    private async Task<SynthesisState> CommitBatchAsync(List<(SynthesisInput Input, string Key)> batch, SynthesisState state, RunCounts run,
        FileStream corrections, FileStream sft, FileStream preferences, OutputPaths paths, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var answers = await Task.WhenAll(batch.Select(row => AnswerAsync(row.Input, cancellationToken))).ConfigureAwait(false);
        var rows = new List<(string Key, CorrectionRequest Request)>(batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(answers[i])) { run.Invalid++; continue; }
            rows.Add((batch[i].Key, new CorrectionRequest(batch[i].Input.Question, answers[i])
            {
                Generation = _options.Generation,
                Instruction = _options.Instruction,
            }));
        }
        var results = rows.Count == 0 ? [] : await _aligner.CorrectBatchAsync(rows.Select(r => r.Request).ToArray(), cancellationToken).ConfigureAwait(false);
        if (results.Count != rows.Count)
            throw new InvalidOperationException($"The aligner returned {results.Count} results for {rows.Count} requests.");

        var correctionLines = new StringBuilder();
        var sftLines = new StringBuilder();
        var preferenceLines = new StringBuilder();
        for (int i = 0; i < rows.Count; i++)
        {
            var (key, request) = rows[i];
            var result = results[i];
            if (result.FallbackReason is FallbackReason.Timeout or FallbackReason.BackendError) { run.Failed++; continue; }
            bool changed = !string.Equals(request.Answer.Trim(), result.CorrectedAnswer.Trim(), StringComparison.Ordinal);
            correctionLines.Append(WeakToStrongJsonl.Format(w =>
            {
                w.WriteString("key", key);
                w.WriteString("question", request.Question);
                w.WriteString("answer", request.Answer);
                w.WriteString("correction", result.CorrectedAnswer);
                w.WriteBoolean("changed", changed && !result.IsFallback);
                w.WriteString("fallback", result.FallbackReason.ToString());
            })).Append('\n');
            state = state with { Recorded = state.Recorded + 1 };
            if (result.IsFallback) { state = state with { Fallbacks = state.Fallbacks + 1 }; continue; }
            sftLines.Append(WeakToStrongJsonl.ToLine(new SftExample(request.Question, result.CorrectedAnswer, key))).Append('\n');
            state = state with { SftRows = state.SftRows + 1 };
            if (changed)
            {
                preferenceLines.Append(WeakToStrongJsonl.ToLine(new PreferenceExample(request.Question, result.CorrectedAnswer, request.Answer, key))).Append('\n');
                state = state with { PreferenceRows = state.PreferenceRows + 1 };
            }
            else state = state with { UnchangedPairs = state.UnchangedPairs + 1 };
        }

        // Past this point the batch is committed even if cancellation is requested.
        state = state with
        {
            CorrectionsBytes = await AppendAsync(corrections, correctionLines).ConfigureAwait(false),
            SftBytes = await AppendAsync(sft, sftLines).ConfigureAwait(false),
            PreferencesBytes = await AppendAsync(preferences, preferenceLines).ConfigureAwait(false),
        };
        state.SaveAtomically(paths.State);
        return state;
    }

    private async Task<string> AnswerAsync(SynthesisInput input, CancellationToken cancellationToken)
    {
        if (input.Answer is not null) return input.Answer;
        var upstream = _options.Upstream ?? throw new InvalidOperationException(
            $"Row '{input.EffectiveKey}' has no answer and no {nameof(CorrectionSynthesizerOptions)}.{nameof(CorrectionSynthesizerOptions.Upstream)} chat client is set to generate one.");
        var response = await upstream.GetResponseAsync([new ChatMessage(ChatRole.User, input.Question)],
            _options.UpstreamChatOptions?.Clone(), cancellationToken).ConfigureAwait(false);
        return response.Text;
    }

    private static async Task<long> AppendAsync(FileStream stream, StringBuilder lines)
    {
        if (lines.Length > 0)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(lines.ToString()), CancellationToken.None).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        return stream.Position;
    }

    private static SynthesisState Prepare(OutputPaths paths)
    {
        if (!File.Exists(paths.State))
        {
            foreach (var file in paths.Outputs)
                if (File.Exists(file) && new FileInfo(file).Length > 0)
                    throw new SynthesisStateException(file, $"Exists without {StateFileName}, so it was not written by a synthesis run that can be resumed; move it away or choose another folder.");
            SynthesisState.Empty.SaveAtomically(paths.State);
            return SynthesisState.Empty;
        }
        var state = SynthesisState.Load(paths.State);
        Truncate(paths.Corrections, state.CorrectionsBytes);
        Truncate(paths.Sft, state.SftBytes);
        Truncate(paths.Preferences, state.PreferencesBytes);
        return state;
    }

    private static void Truncate(string path, long committed)
    {
        long length = File.Exists(path) ? new FileInfo(path).Length : 0;
        if (length < committed)
            throw new SynthesisStateException(path, $"Holds {length} bytes but {StateFileName} records {committed} committed bytes; the file was changed outside the synthesizer.");
        if (length > committed)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
            stream.SetLength(committed);
        }
    }

    private static HashSet<string> ReadRecordedKeys(string path, int expected)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path)) return keys;
        long lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            try
            {
                using var document = JsonDocument.Parse(line);
                if (!document.RootElement.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.String)
                    throw new SynthesisStateException($"{path}:{lineNumber}", "Field 'key' is missing or not a string.");
                keys.Add(key.GetString()!);
            }
            catch (JsonException e) { throw new SynthesisStateException($"{path}:{lineNumber}", $"Not valid JSON: {e.Message}", e); }
        }
        if (lineNumber != expected)
            throw new SynthesisStateException(path, $"Holds {lineNumber} committed rows but {StateFileName} records {expected}.");
        return keys;
    }

    private static FileStream OpenAppend(string path) => new(path, FileMode.Append, FileAccess.Write, FileShare.Read);

    private static FileStream AcquireLock(string path)
    {
        try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose); }
        catch (IOException e) { throw new SynthesisStateException(path, "Another synthesis run is writing to this folder.", e); }
    }

    private static SynthesisSummary Summarize(SynthesisState state, RunCounts run) =>
        new(state.Recorded, state.SftRows, state.PreferenceRows, state.UnchangedPairs, state.Fallbacks,
            run.AlreadyDone, run.Duplicates, run.Invalid, run.Failed);

    private sealed class RunCounts
    {
        public int AlreadyDone;
        public int Duplicates;
        public int Invalid;
        public int Failed;
    }

    private sealed record OutputPaths(string Folder)
    {
        public string Corrections => Path.Combine(Folder, CorrectionsFileName);
        public string Sft => Path.Combine(Folder, SftFileName);
        public string Preferences => Path.Combine(Folder, PreferencesFileName);
        public string State => Path.Combine(Folder, StateFileName);
        public IEnumerable<string> Outputs => [Corrections, Sft, Preferences];
    }
}
