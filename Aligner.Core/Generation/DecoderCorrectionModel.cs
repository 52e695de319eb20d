using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Aligner.Tokenization;

namespace Aligner.Generation;

/// <summary>
/// The generation loop shared by the local backends: tokenizes prompts, left-pads batches, prefills, samples,
/// detects EOS and stop sequences, decodes incrementally for streaming, and honours cancellation between tokens.
/// Concurrent requests are merged into batches by a scheduler (<see cref="GenerationSchedulerOptions"/>); each batch
/// owns its own <see cref="IDecoderSession"/> (and KV cache), and every row keeps its own token limit, stop rules and
/// cancellation, so a prompt gives the same greedy text alone or batched. For correctors with a keep marker
/// (<see cref="KeepMarker"/>) the first step decides keep or correct.
/// With a <see cref="GenerationOptions.Seed"/>, every row of a batch samples from its own generator seeded with it
/// (as vLLM does per request), so a prompt gives the same text alone or inside a batch.
/// </summary>
public class DecoderCorrectionModel : ICorrectionModel, IDisposable
{
    private readonly bool _ownsModel;
    private readonly GenerationScheduler _scheduler;

    /// <summary>Wraps a decoder model.</summary>
    /// <param name="model">The backend's model.</param>
    /// <param name="ownsModel">Dispose the model with this object.</param>
    /// <param name="scheduling">How concurrent requests are batched; defaults to <see cref="GenerationSchedulerOptions"/>'s.</param>
    public DecoderCorrectionModel(IDecoderModel model, bool ownsModel = true, GenerationSchedulerOptions? scheduling = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        scheduling ??= new GenerationSchedulerOptions();
        scheduling.Validate();
        _ownsModel = ownsModel;
        Info = new CorrectionModelInfo(model.ModelId, model.Backend, model.ContextLength);
        _scheduler = new GenerationScheduler(RunBatch, scheduling, model.ModelId);
    }

    /// <summary>The backend model.</summary>
    public IDecoderModel Model { get; }

    /// <inheritdoc />
    public CorrectionModelInfo Info { get; }

    /// <summary>The tokenizer of the model.</summary>
    public ITextTokenizer Tokenizer => Model.Tokenizer;

    /// <inheritdoc />
    public int CountPromptTokens(CorrectionPrompt prompt) => Model.Tokenizer.EncodePrompt(prompt).Count;

    /// <inheritdoc />
    public async Task<GenerationResult> GenerateAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken = default)
        => (await GenerateBatchAsync([prompt], options, cancellationToken).ConfigureAwait(false))[0];

    /// <inheritdoc />
    /// <exception cref="GenerationQueueFullException">The scheduler's queue is full.</exception>
    public async Task<IReadOnlyList<GenerationResult>> GenerateBatchAsync(IReadOnlyList<CorrectionPrompt> prompts, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        if (prompts.Count == 0) return [];
        var rows = Encode(prompts).Select(p => new GenerationRow(p, options, onDelta: null, cancellationToken)).ToList();
        return await Task.WhenAll(_scheduler.Submit(rows)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="GenerationQueueFullException">The scheduler's queue is full.</exception>
    public async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(CorrectionPrompt prompt, GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var encoded = Encode([prompt])[0];
        var channel = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var row = new GenerationRow(encoded, options, delta => channel.Writer.TryWrite(new GenerationUpdate(delta)), linked.Token);
        var completion = _scheduler.Submit([row])[0];
        _ = completion.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                channel.Writer.TryWrite(new GenerationUpdate("", t.Result));
                channel.Writer.TryComplete();
            }
            else channel.Writer.TryComplete(t.Exception?.InnerException ?? new OperationCanceledException(linked.Token));
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return update;
        }
        finally
        {
            linked.Cancel();
            try { await completion.ConfigureAwait(false); } catch (OperationCanceledException) { } catch (Exception) when (cancellationToken.IsCancellationRequested) { }
        }
    }

    /// <summary>Disposes the scheduler (queued requests fail) and, if owned, the model.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the scheduler and, when <paramref name="disposing"/> and owned, the model.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        _scheduler.Dispose();
        if (_ownsModel) Model.Dispose();
    }

    private int[][] Encode(IReadOnlyList<CorrectionPrompt> prompts)
    {
        var encoded = new int[prompts.Count][];
        for (int i = 0; i < prompts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(prompts[i], $"{nameof(prompts)}[{i}]");
            encoded[i] = [.. Model.Tokenizer.EncodePrompt(prompts[i])];
            if (encoded[i].Length == 0) throw new ArgumentException($"Prompt {i} encodes to no tokens; a decoder needs at least one.", nameof(prompts));
            if (encoded[i].Length >= Model.ContextLength)
                throw new ContextBudgetExceededException(encoded[i].Length, 1, Model.ContextLength);
        }
        return encoded;
    }

    /// <summary>
    /// Decodes one batch on the scheduler's worker. Each row stops at its own limit (its <c>MaxNewTokens</c>, or the
    /// context left after its own prompt), EOS, stop sequence or cancellation, and its caller gets the result at once.
    /// </summary>
    private void RunBatch(IReadOnlyList<GenerationRow> requests, CancellationToken batchToken)
    {
        int batch = requests.Count;
        int vocab = Model.VocabularySize;
        int maxPrompt = requests.Max(r => r.Prompt.Length);
        var limits = requests.Select(r => Math.Min(r.Options.MaxNewTokens, Model.ContextLength - r.Prompt.Length)).ToArray();
        int steps = limits.Max();
        var tokenizer = Model.Tokenizer;
        int pad = tokenizer.PadTokenId ?? tokenizer.EosTokenId ?? 0;
        var eos = Model.EosTokenIds.ToHashSet();
        int? keep = Model.KeepTokenId;

        var tokens = new int[batch * maxPrompt];
        var mask = new int[batch * maxPrompt];
        var rows = new Row[batch];
        for (int b = 0; b < batch; b++)
        {
            var request = requests[b];
            int offset = maxPrompt - request.Prompt.Length;
            tokens.AsSpan(b * maxPrompt, offset).Fill(pad);
            request.Prompt.CopyTo(tokens, b * maxPrompt + offset);
            mask.AsSpan(b * maxPrompt + offset, request.Prompt.Length).Fill(1);
            rows[b] = new Row(request, new TokenSampler(request.Options, request.Prompt, request.Options.Seed ?? Random.Shared.Next()),
                tokenizer.CreateIncrementalDecoder(skipSpecialTokens: true), new StopSequenceMatcher(request.Options.StopSequences));
        }

        var logits = new float[batch * vocab];
        var next = new int[batch];
        using var session = Model.StartSession(batch, maxPrompt + steps, batchToken);
        session.Prefill(tokens, mask, maxPrompt, logits);
        int active = batch;
        for (int step = 0; step < steps && active > 0; step++)
        {
            batchToken.ThrowIfCancellationRequested();
            for (int b = 0; b < batch; b++)
            {
                var row = rows[b];
                if (row.Finished) { next[b] = pad; continue; }
                if (row.Request.CancellationToken.IsCancellationRequested)
                {
                    row.Cancel();
                    active--;
                    next[b] = pad;
                    continue;
                }
                var rowLogits = logits.AsSpan(b * vocab, vocab);
                if (keep is { } keepId)
                {
                    if (step == 0)
                    {
                        row.KeepProbability = Probability(rowLogits, keepId);
                        if (!row.Request.Options.AllowKeep) rowLogits[keepId] = float.NegativeInfinity;
                        else if (row.Request.Options.KeepThreshold is { } threshold)
                        {
                            if (row.KeepProbability >= threshold) { row.Keep(); active--; next[b] = pad; continue; }
                            rowLogits[keepId] = float.NegativeInfinity;
                        }
                    }
                    else rowLogits[keepId] = float.NegativeInfinity;
                }
                int token = row.Sampler.Sample(rowLogits);
                if (token == keep)
                {
                    // The model's own choice (the first token; later steps mask the marker out).
                    row.Keep();
                    active--;
                    next[b] = pad;
                    continue;
                }
                next[b] = token;
                row.Generated++;
                if (eos.Contains(token)) { row.Finish(FinishReason.EndOfSequence); active--; continue; }
                row.Sampler.Accept(token);
                if (row.AddText(row.Decoder.Append(token))) { active--; continue; }
                if (row.Generated >= limits[b]) { row.Finish(FinishReason.Length); active--; }
            }
            if (active > 0 && step < steps - 1) session.Step(next, logits);
        }
        foreach (var row in rows)
            if (!row.Finished) row.Finish(FinishReason.Length);
    }

    /// <summary>Softmax probability of <paramref name="id"/> under the raw logits.</summary>
    private static double Probability(ReadOnlySpan<float> logits, int id)
    {
        float max = float.NegativeInfinity;
        foreach (var l in logits) if (l > max) max = l;
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        return Math.Exp(logits[id] - max) / sum;
    }

    private sealed class Row(GenerationRow request, TokenSampler sampler, IIncrementalDecoder decoder, StopSequenceMatcher stops)
    {
        public GenerationRow Request { get; } = request;
        public TokenSampler Sampler { get; } = sampler;
        public IIncrementalDecoder Decoder { get; } = decoder;
        public StringBuilder Text { get; } = new();
        public int Generated { get; set; }
        public double? KeepProbability { get; set; }
        public bool Finished { get; private set; }
        private int _emitted;

        public bool AddText(string delta)
        {
            if (delta.Length == 0) return false;
            int searchFrom = Text.Length;
            Text.Append(delta);
            var text = Text.ToString();
            int stop = stops.FindStop(text, searchFrom);
            if (stop >= 0)
            {
                Text.Length = stop;
                Emit(Text.Length);
                Complete(FinishReason.StopSequence);
                return true;
            }
            Emit(stops.SafeLength(text));
            return false;
        }

        public void Finish(FinishReason reason)
        {
            var rest = Decoder.Flush();
            if (rest.Length > 0 && AddText(rest)) return;
            Emit(Text.Length);
            Complete(reason);
        }

        public void Keep()
        {
            Finished = true;
            Request.Completion.TrySetResult(new GenerationResult("", Request.Prompt.Length, 1, FinishReason.EndOfSequence) { Kept = true, KeepProbability = KeepProbability });
        }

        public void Cancel()
        {
            Finished = true;
            Request.Completion.TrySetCanceled(Request.CancellationToken);
        }

        private void Complete(FinishReason reason)
        {
            Finished = true;
            Request.Completion.TrySetResult(new GenerationResult(Text.ToString(), Request.Prompt.Length, Generated, reason) { KeepProbability = KeepProbability });
        }

        private void Emit(int upTo)
        {
            if (upTo <= _emitted) return;
            Request.OnDelta?.Invoke(Text.ToString(_emitted, upTo - _emitted));
            _emitted = upTo;
        }
    }
}
