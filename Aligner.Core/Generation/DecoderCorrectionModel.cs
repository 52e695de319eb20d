using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Aligner.Tokenization;

namespace Aligner.Generation;

/// <summary>
/// The generation loop shared by the local backends: tokenizes prompts, left-pads batches, prefills, samples,
/// detects EOS and stop sequences, decodes incrementally for streaming, and honours cancellation between tokens.
/// Each call owns its own <see cref="IDecoderSession"/> (and KV cache), so one model serves concurrent requests.
/// With a <see cref="GenerationOptions.Seed"/>, every row of a batch samples from its own generator seeded with it
/// (as vLLM does per request), so a prompt gives the same text alone or inside a batch.
/// </summary>
public class DecoderCorrectionModel : ICorrectionModel, IDisposable
{
    private readonly bool _ownsModel;

    /// <summary>Wraps a decoder model.</summary>
    /// <param name="model">The backend's model.</param>
    /// <param name="ownsModel">Dispose the model with this object.</param>
    public DecoderCorrectionModel(IDecoderModel model, bool ownsModel = true)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _ownsModel = ownsModel;
        Info = new CorrectionModelInfo(model.ModelId, model.Backend, model.ContextLength);
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
    public Task<IReadOnlyList<GenerationResult>> GenerateBatchAsync(IReadOnlyList<CorrectionPrompt> prompts, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompts.Count == 0) return Task.FromResult<IReadOnlyList<GenerationResult>>([]);
        var encoded = Encode(prompts);
        return Task.Run(() => Run(encoded, options, onDelta: null, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(CorrectionPrompt prompt, GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var encoded = Encode([prompt]);
        var channel = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() =>
        {
            try
            {
                var results = Run(encoded, options, (_, delta) => channel.Writer.TryWrite(new GenerationUpdate(delta)), linked.Token);
                channel.Writer.TryWrite(new GenerationUpdate("", results[0]));
                channel.Writer.TryComplete();
            }
            catch (Exception e) { channel.Writer.TryComplete(e); }
        }, CancellationToken.None);
        try
        {
            await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return update;
        }
        finally
        {
            linked.Cancel();
            try { await producer.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the model when this object owns it.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _ownsModel) Model.Dispose();
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

    private IReadOnlyList<GenerationResult> Run(int[][] prompts, GenerationOptions options, Action<int, string>? onDelta, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int batch = prompts.Length;
        int vocab = Model.VocabularySize;
        int maxPrompt = prompts.Max(p => p.Length);
        int maxNew = Math.Min(options.MaxNewTokens, Model.ContextLength - maxPrompt);
        var tokenizer = Model.Tokenizer;
        int pad = tokenizer.PadTokenId ?? tokenizer.EosTokenId ?? 0;
        var eos = Model.EosTokenIds.ToHashSet();

        var tokens = new int[batch * maxPrompt];
        var mask = new int[batch * maxPrompt];
        var rows = new Row[batch];
        for (int b = 0; b < batch; b++)
        {
            int offset = maxPrompt - prompts[b].Length;
            tokens.AsSpan(b * maxPrompt, offset).Fill(pad);
            prompts[b].CopyTo(tokens, b * maxPrompt + offset);
            mask.AsSpan(b * maxPrompt + offset, prompts[b].Length).Fill(1);
            rows[b] = new Row(prompts[b].Length, new TokenSampler(options, prompts[b], options.Seed ?? Random.Shared.Next()),
                tokenizer.CreateIncrementalDecoder(skipSpecialTokens: true), new StopSequenceMatcher(options.StopSequences));
        }

        var logits = new float[batch * vocab];
        var next = new int[batch];
        using var session = Model.StartSession(batch, maxPrompt + maxNew);
        session.Prefill(tokens, mask, maxPrompt, logits);
        int active = batch;
        for (int step = 0; step < maxNew && active > 0; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int b = 0; b < batch; b++)
            {
                var row = rows[b];
                if (row.Finished) { next[b] = pad; continue; }
                int token = row.Sampler.Sample(logits.AsSpan(b * vocab, vocab));
                next[b] = token;
                row.Generated++;
                if (eos.Contains(token)) { row.Finish(FinishReason.EndOfSequence, onDelta, b); active--; continue; }
                row.Sampler.Accept(token);
                if (row.AddText(row.Decoder.Append(token), onDelta, b)) { active--; continue; }
                if (step == maxNew - 1) { row.Finish(FinishReason.Length, onDelta, b); active--; }
            }
            if (active > 0 && step < maxNew - 1) session.Step(next, logits);
        }
        var results = new GenerationResult[batch];
        for (int b = 0; b < batch; b++)
        {
            if (!rows[b].Finished) rows[b].Finish(FinishReason.Length, onDelta, b);
            results[b] = new GenerationResult(rows[b].Text.ToString(), rows[b].PromptTokens, rows[b].Generated, rows[b].Reason);
        }
        return results;
    }

    private sealed class Row(int promptTokens, TokenSampler sampler, IIncrementalDecoder decoder, StopSequenceMatcher stops)
    {
        public int PromptTokens { get; } = promptTokens;
        public TokenSampler Sampler { get; } = sampler;
        public IIncrementalDecoder Decoder { get; } = decoder;
        public StringBuilder Text { get; } = new();
        public int Generated { get; set; }
        public bool Finished { get; private set; }
        public FinishReason Reason { get; private set; }
        private int _emitted;

        /// <summary>Adds decoded text; returns true when a stop sequence ended the row.</summary>
        public bool AddText(string delta, Action<int, string>? onDelta, int row)
        {
            if (delta.Length == 0) return false;
            int searchFrom = Text.Length;
            Text.Append(delta);
            var text = Text.ToString();
            int stop = stops.FindStop(text, searchFrom);
            if (stop >= 0)
            {
                Text.Length = stop;
                Emit(Text.Length, onDelta, row);
                Finished = true;
                Reason = FinishReason.StopSequence;
                return true;
            }
            Emit(stops.SafeLength(text), onDelta, row);
            return false;
        }

        public void Finish(FinishReason reason, Action<int, string>? onDelta, int row)
        {
            Finished = true;
            Reason = reason;
            var rest = Decoder.Flush();
            if (rest.Length > 0 && AddText(rest, onDelta, row)) { Reason = FinishReason.StopSequence; return; }
            Emit(Text.Length, onDelta, row);
        }

        private void Emit(int upTo, Action<int, string>? onDelta, int row)
        {
            if (upTo <= _emitted) return;
            onDelta?.Invoke(row, Text.ToString(_emitted, upTo - _emitted));
            _emitted = upTo;
        }
    }
}
