using Microsoft.Extensions.AI;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aligner;

/// <summary>
/// The correction pipeline: renders the prompt, protects it from marker injection, keeps it within the corrector's
/// context, generates, cleans and checks the output, stacks rounds, and falls back to the original answer when
/// correction fails. Thread-safe; one instance serves concurrent requests.
/// </summary>
/// <remarks>
/// Policies, in the order they apply:
/// <list type="number">
/// <item><b>Input</b>: a null, empty or whitespace question or answer (or a missing instruction when the template needs
/// one) throws <see cref="ArgumentException"/> naming the field, or with <see cref="InvalidInputBehavior.PassThrough"/>
/// returns the answer as given, flagged <see cref="FallbackReason.InvalidInput"/>.</item>
/// <item><b>Fact checks</b>: <see cref="AlignerOptions.FactCheckers"/> run on each valid request; when one fixes a
/// wrong claim (a sum, a unit conversion, a capital), the fixed answer is the result (<see cref="CorrectionResult.FactChecks"/>)
/// and neither the gate nor the corrector runs. A throwing checker is logged and skipped.</item>
/// <item><b>Gate</b>: an <see cref="AlignerOptions.Gate"/> decides for all valid requests of a call at once; an answer it
/// keeps is returned byte for byte with <see cref="CorrectionResult.Kept"/> (not a fallback); a flagged one goes to the
/// corrector with its keep marker masked (<see cref="AlignerOptions.GateOverridesKeepMarker"/>). A failing gate is
/// logged and ignored.</item>
/// <item><b>Markers</b>: structural markers in the question, answer and instruction are neutralised and the output is
/// cleaned (<see cref="TemplateMarkerGuard"/>).</item>
/// <item><b>Context budget</b>: prompt tokens (<see cref="ICorrectionModel.CountPromptTokens"/>) plus room for the
/// correction must fit <see cref="CorrectionModelInfo.ContextLength"/>. The room is <see cref="GenerationOptions.MaxNewTokens"/>
/// when it fits; otherwise generation is capped by the context but keeps at least as many tokens as the answer has
/// (and at least <see cref="AlignerOptions.MinGenerationTokens"/>, at most MaxNewTokens). When even that does not fit,
/// <see cref="ContextOverflowPolicy.TruncateAnswer"/> keeps the longest head and tail of the answer that fit, joined by
/// <see cref="TruncationMarker"/> (when not even an empty answer fits, this is handled as a failure with
/// <see cref="FallbackReason.ContextOverflow"/>); <see cref="ContextOverflowPolicy.Refuse"/> throws
/// <see cref="ContextBudgetExceededException"/>; <see cref="ContextOverflowPolicy.PassThrough"/> returns the answer,
/// flagged <see cref="FallbackReason.ContextOverflow"/>.</item>
/// <item><b>Failures</b>: a timeout (<see cref="AlignerOptions.Timeout"/>, over all rounds; for a batch, per chunk of
/// <see cref="AlignerOptions.MaxBatchSize"/>), a backend exception, an empty output or a degenerate one
/// (<see cref="DegenerateOutputDetector"/>) returns the original answer with the reason, or throws
/// <see cref="CorrectionFailedException"/> with <see cref="FailureBehavior.Throw"/>. The caller's own cancellation is
/// never a fallback: it throws <see cref="OperationCanceledException"/>.</item>
/// <item><b>Stacking</b>: up to <see cref="AlignerOptions.MaxRounds"/> rounds, each correcting the previous round's output;
/// it stops early when a round returns its input unchanged. When a later round fails, the last successful round's
/// correction is kept (and the failure logged).</item>
/// </list>
/// Logging: no question, answer or correction text is logged above <see cref="LogLevel.Debug"/> (texts only at Trace).
/// </remarks>
public sealed partial class ResidualAligner : IAligner
{
    /// <summary>Joins the head and the tail of an answer shortened to fit the context.</summary>
    public const string TruncationMarker = " […] ";

    private readonly AlignerOptions _options;
    private readonly TemplateMarkerGuard _guard;
    private readonly ILogger _logger;
    private readonly AlignerMetrics _metrics;

    /// <summary>Creates an aligner over a correction model.</summary>
    /// <param name="model">The corrector.</param>
    /// <param name="options">The pipeline's options (validated now; do not change them afterwards); <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public ResidualAligner(ICorrectionModel model, AlignerOptions? options = null, ILogger<ResidualAligner>? logger = null)
        : this(model, options, logger, gate: null) { }

    /// <summary>Creates an aligner over a correction model with a correction gate.</summary>
    /// <param name="model">The corrector.</param>
    /// <param name="options">The pipeline's options (validated now; do not change them afterwards); <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <param name="gate">The gate; when not <see langword="null"/> it replaces <see cref="AlignerOptions.Gate"/>.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public ResidualAligner(ICorrectionModel model, AlignerOptions? options, ILogger<ResidualAligner>? logger, ICorrectionGate? gate)
        : this(model, options, logger, gate, meterFactory: null) { }

    /// <summary>Creates an aligner over a correction model with a correction gate, recording metrics on a host's meter.</summary>
    /// <param name="model">The corrector.</param>
    /// <param name="options">The pipeline's options (validated now; do not change them afterwards); <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <param name="gate">The gate; when not <see langword="null"/> it replaces <see cref="AlignerOptions.Gate"/>.</param>
    /// <param name="meterFactory">Creates the meter of the pipeline's instruments (<see cref="AlignerMetrics.For"/>); <see langword="null"/> for the static <see cref="AlignerTelemetry.Meter"/>.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public ResidualAligner(ICorrectionModel model, AlignerOptions? options, ILogger<ResidualAligner>? logger, ICorrectionGate? gate, System.Diagnostics.Metrics.IMeterFactory? meterFactory)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? new AlignerOptions();
        AlignerOptionsValidator.ThrowIfInvalid(_options);
        Gate = gate ?? _options.Gate;
        if (_options.TopicCheck is { } topic)
            _topicEncoder = topic.Encoder ?? EmbeddingGateOf(Gate)?.Encoder
                ?? throw new ArgumentException($"{nameof(AlignerOptions)}.{nameof(AlignerOptions.TopicCheck)} needs an {nameof(TopicCheck.Encoder)} when the gate is not an {nameof(Gating.EmbeddingCorrectionGate)} (it then uses the gate's).", nameof(options));
        _guard = new TemplateMarkerGuard(_options.Template);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = meterFactory is null ? AlignerMetrics.Shared : AlignerMetrics.For(meterFactory);
    }

    private readonly IEmbeddingGenerator<string, Embedding<float>>? _topicEncoder;

    /// <summary>The correction model.</summary>
    public ICorrectionModel Model { get; }

    /// <summary>The pipeline's options.</summary>
    public AlignerOptions Options => _options;

    /// <summary>The correction gate, or <see langword="null"/>.</summary>
    public ICorrectionGate? Gate { get; }

    /// <inheritdoc />
    public async Task<CorrectionResult> CorrectAsync(CorrectionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var activity = AlignerTelemetry.ActivitySource.StartActivity("aligner.correct");
        var results = await CorrectCoreAsync([request], cancellationToken).ConfigureAwait(false);
        AlignerTelemetry.Tag(activity, results[0]);
        return results[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CorrectionResult>> CorrectBatchAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ThrowIfAnyNull(requests);
        using var activity = AlignerTelemetry.ActivitySource.StartActivity("aligner.correct_batch");
        activity?.SetTag("aligner.batch_size", requests.Count);
        return await CorrectCoreAsync(requests, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<CorrectionUpdate> CorrectStreamingAsync(CorrectionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        using var activity = AlignerTelemetry.ActivitySource.StartActivity("aligner.correct");
        long start = Stopwatch.GetTimestamp();
        var (job, early) = Admit(request);
        if (job is not null) early = CheckFacts(job);
        if (job is not null && early is null && await DecideAsync([job], cancellationToken).ConfigureAwait(false) is [{ } kept]) early = kept;
        if (early is not null)
        {
            var passed = Finish(early, start, activity);
            yield return new CorrectionUpdate(passed.CorrectedAnswer);
            yield return new CorrectionUpdate("", Result: passed);
            yield break;
        }

        var view = new StreamView();
        using (var deadline = new Deadline(_options.Timeout, cancellationToken))
        {
            for (int round = 1; round <= _options.MaxRounds && !job!.Done; round++)
            {
                var prompt = Prepare(job);
                if (prompt is null) break;
                if (round > 1) view.ResetPending = view.Shown.Length > 0;
                var raw = new System.Text.StringBuilder();
                GenerationResult? final = null;
                var stream = new GenerationStream(Model.GenerateStreamingAsync(prompt, job.Generation, deadline.Token).GetAsyncEnumerator(deadline.Token));
                try
                {
                    while (true)
                    {
                        var (hasNext, update, error) = await stream.NextAsync(deadline.Token).ConfigureAwait(false);
                        if (error is not null)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            FailFromException(job, error, deadline);
                            break;
                        }
                        if (!hasNext) break;
                        raw.Append(update!.TextDelta);
                        if (update.Final is not null) final = update.Final;
                        var shown = view.Advance(_guard.StreamablePrefix(raw.ToString()), force: false);
                        if (shown is not null) yield return shown;
                    }
                }
                finally { await stream.DisposeAsync().ConfigureAwait(false); }
                if (job.Done) break;
                var text = raw.ToString();
                Accept(job, final is not null ? final with { Text = text } : new GenerationResult(text, 0, 0, FinishReason.EndOfSequence));
                if (job.Failure != FallbackReason.None) break;
                var roundEnd = view.Advance(job.Current, force: true);
                if (roundEnd is not null) yield return roundEnd;
            }
        }

        await CheckTopicAsync([job!], cancellationToken).ConfigureAwait(false);
        var result = Finish(Complete(job!), start, activity);
        var last = view.Advance(result.CorrectedAnswer, force: true);
        if (last is not null) yield return last;
        yield return new CorrectionUpdate("", Result: result);
    }

    /// <summary>
    /// Corrects a batch like <see cref="CorrectBatchAsync"/>, yielding each result as soon as it is ready, with its index
    /// in <paramref name="requests"/>: first the answers fixed by fact checkers or kept by the gate (one gate call for the
    /// whole batch), then the corrector's, chunk by chunk of <see cref="AlignerOptions.MaxBatchSize"/> flagged requests.
    /// A caller that writes results as they come (a batch job, a stream) loses less on cancellation, and a large batch
    /// keeps the corrector's chunks full of requests that need it.
    /// </summary>
    /// <param name="requests">The requests.</param>
    /// <param name="cancellationToken">Cancels the remaining work.</param>
    public async IAsyncEnumerable<(int Index, CorrectionResult Result)> CorrectBatchAsCompletedAsync(IReadOnlyList<CorrectionRequest> requests,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ThrowIfAnyNull(requests);
        await foreach (var item in CorrectAsCompletedCoreAsync(requests, cancellationToken).ConfigureAwait(false))
            yield return item;
    }

    private static void ThrowIfAnyNull(IReadOnlyList<CorrectionRequest> requests)
    {
        for (int i = 0; i < requests.Count; i++)
            if (requests[i] is null) throw new ArgumentNullException($"{nameof(requests)}[{i}]");
    }

    private async Task<IReadOnlyList<CorrectionResult>> CorrectCoreAsync(IReadOnlyList<CorrectionRequest> requests, CancellationToken cancellationToken)
    {
        var results = new CorrectionResult[requests.Count];
        await foreach (var (index, result) in CorrectAsCompletedCoreAsync(requests, cancellationToken).ConfigureAwait(false))
            results[index] = result;
        return results;
    }

    private async IAsyncEnumerable<(int Index, CorrectionResult Result)> CorrectAsCompletedCoreAsync(IReadOnlyList<CorrectionRequest> requests,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new List<(int Index, Job Job)>();
        var early = new List<(int Index, CorrectionResult Result)>();
        long admitted = Stopwatch.GetTimestamp();
        for (int i = 0; i < requests.Count; i++)
        {
            var (job, passed) = Admit(requests[i]);
            if (job is not null) passed = CheckFacts(job);
            if (passed is not null) early.Add((i, Finish(passed, admitted, activity: null)));
            else pending.Add((i, job!));
        }
        foreach (var item in early) yield return item;
        if (Gate is not null && pending.Count > 0)
        {
            var kept = await DecideAsync(pending.Select(p => p.Job).ToList(), cancellationToken).ConfigureAwait(false);
            var flagged = new List<(int Index, Job Job)>(pending.Count);
            for (int i = 0; i < pending.Count; i++)
            {
                if (kept[i] is { } result) yield return (pending[i].Index, Finish(result, admitted, activity: null));
                else flagged.Add(pending[i]);
            }
            pending = flagged;
        }
        foreach (var chunk in pending.Chunk(_options.MaxBatchSize))
        {
            long start = Stopwatch.GetTimestamp();
            var jobs = chunk.Select(c => c.Job).ToList();
            await RunRoundsAsync(jobs, cancellationToken).ConfigureAwait(false);
            await CheckTopicAsync(jobs, cancellationToken).ConfigureAwait(false);
            foreach (var (index, job) in chunk) yield return (index, Finish(Complete(job), start, activity: null));
        }
    }

    private (Job? Job, CorrectionResult? Early) Admit(CorrectionRequest request)
    {
        string? field =
            string.IsNullOrWhiteSpace(request.Question) ? nameof(CorrectionRequest.Question) :
            string.IsNullOrWhiteSpace(request.Answer) ? nameof(CorrectionRequest.Answer) :
            _options.Template.UsesInstruction && string.IsNullOrWhiteSpace(request.Instruction) && Instruction(null) is null ? nameof(CorrectionRequest.Instruction) :
            null;
        if (field is not null)
        {
            var message = field == nameof(CorrectionRequest.Instruction)
                ? $"{nameof(CorrectionRequest)}.{field} must be set: template '{_options.Template.Name}' needs an instruction."
                : $"{nameof(CorrectionRequest)}.{field} must not be null, empty or whitespace.";
            if (_options.OnInvalidInput == InvalidInputBehavior.Throw) throw new ArgumentException(message, field);
            LogInvalidInput(_logger, field);
            return (null, Passed(request, FallbackReason.InvalidInput, message));
        }
        var generation = request.Generation ?? _options.Generation;
        if (request.Generation is not null) request.Generation.Validate();
        if (_options.KeepThreshold is { } keep && generation.KeepThreshold != keep) generation = generation with { KeepThreshold = keep };
        LogCorrecting(_logger, request.Question.Length, request.Answer.Length, Model.Info.ModelId);
        return (new Job(request, generation), null);
    }

    /// <summary>The result of a job whose answer the fact checkers fixed, or null when they fixed nothing.</summary>
    private CorrectionResult? CheckFacts(Job job)
    {
        if (_options.FactCheckers is not { Count: > 0 } checkers) return null;
        List<FactCheck>? fixes = null;
        var answer = job.Request.Answer;
        foreach (var checker in checkers)
        {
            FactCheck? fix;
            try { fix = checker.Check(job.Request.Question, answer); }
            catch (Exception e)
            {
                LogFactCheckerFailed(_logger, checker.Id, e);
                continue;
            }
            if (fix is null || string.Equals(fix.CorrectedAnswer, answer, StringComparison.Ordinal)) continue;
            (fixes ??= []).Add(fix);
            answer = fix.CorrectedAnswer;
        }
        if (fixes is null) return null;
        _metrics.RecordFactChecks(fixes);
        return new CorrectionResult
        {
            Question = job.Request.Question,
            OriginalAnswer = job.Request.Answer,
            CorrectedAnswer = answer,
            ModelId = Model.Info.ModelId,
            FactChecks = fixes,
        };
    }

    /// <summary>The sentence-encoder gate itself or under <see cref="Gating.SafetyRulesGate"/>s, if any.</summary>
    private static Gating.EmbeddingCorrectionGate? EmbeddingGateOf(ICorrectionGate? gate) => gate switch
    {
        Gating.EmbeddingCorrectionGate embedding => embedding,
        Gating.SafetyRulesGate rules => EmbeddingGateOf(rules.Inner),
        _ => null,
    };

    /// <summary>
    /// Runs the gate over admitted jobs: returns the result of each job the gate keeps (null for the ones it flags, whose
    /// generation then may not keep the answer), or all nulls without a gate or when the gate fails.
    /// </summary>
    private async Task<CorrectionResult?[]> DecideAsync(List<Job> jobs, CancellationToken cancellationToken)
    {
        var results = new CorrectionResult?[jobs.Count];
        if (Gate is not { } gate) return results;
        IReadOnlyList<GateDecision> decisions;
        long start = Stopwatch.GetTimestamp();
        try
        {
            decisions = await gate.DecideAsync(jobs.Select(j => j.Request).ToList(), cancellationToken).ConfigureAwait(false);
            if (decisions is null || decisions.Count != jobs.Count || decisions.Any(d => d is null))
                throw new InvalidOperationException($"The gate '{gate.Id}' returned {decisions?.Count ?? 0} decisions for {jobs.Count} requests.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogGateFailed(_logger, gate.Id, e);
            return results;
        }
        _metrics.RecordGate(decisions, Stopwatch.GetElapsedTime(start));
        for (int i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            job.Gate = decisions[i];
            // The gate kept an answer that states nothing of what a knowledge source can answer exactly.
            if (!decisions[i].Correct && AskUnanswered(job.Request.Question, job.Request.Answer) is { } stated)
                results[i] = Answered(job, decisions[i], stated);
            else if (!decisions[i].Correct)
            {
                results[i] = new CorrectionResult
                {
                    Question = job.Request.Question,
                    OriginalAnswer = job.Request.Answer,
                    CorrectedAnswer = job.Request.Answer,
                    ModelId = Model.Info.ModelId,
                    Kept = true,
                    Gate = decisions[i],
                };
            }
            else if (AskKnowledge(job.Request.Question, decisions[i]) is { } known)
                results[i] = Answered(job, decisions[i], known);
            else if (_options.GateOverridesKeepMarker && job.Generation.AllowKeep)
            {
                // The corrector keeps a flagged answer only with GateKeepVeto's confidence, or not at all.
                job.Generation = _options.GateKeepVeto is { } veto
                    ? job.Generation with { KeepThreshold = Math.Max(veto, job.Generation.KeepThreshold ?? 0) }
                    : job.Generation with { AllowKeep = false };
            }
        }
        return results;
    }

    /// <summary>The result of a job answered by a knowledge source, without generation.</summary>
    private CorrectionResult Answered(Job job, GateDecision decision, Knowledge.KnowledgeAnswer known) => new()
    {
        Question = job.Request.Question,
        OriginalAnswer = job.Request.Answer,
        CorrectedAnswer = known.Text,
        ModelId = Model.Info.ModelId,
        Gate = decision,
        Knowledge = known,
    };

    /// <summary>The first answer of <see cref="AlignerOptions.KnowledgeSources"/> for a request the gate flagged with one of <see cref="AlignerOptions.KnowledgeCategories"/>.</summary>
    private Knowledge.KnowledgeAnswer? AskKnowledge(string question, GateDecision decision)
    {
        if (_options.KnowledgeSources is not { Count: > 0 } sources || decision.Category is not { } category
            || !_options.KnowledgeCategories.Contains(category, StringComparer.OrdinalIgnoreCase)) return null;
        foreach (var source in sources)
        {
            try
            {
                if (source.Answer(question) is { Text.Length: > 0 } answer) return answer;
            }
            catch (Exception e)
            {
                LogKnowledgeSourceFailed(_logger, source.Id, e);
            }
        }
        return null;
    }

    /// <summary>
    /// The answer of the first <see cref="AlignerOptions.KnowledgeSources"/> source that can answer the question and says
    /// the upstream answer states nothing about it (<see cref="Knowledge.IKnowledgeSource.StatesAnswer"/> false).
    /// </summary>
    private Knowledge.KnowledgeAnswer? AskUnanswered(string question, string answer)
    {
        if (_options.KnowledgeSources is not { Count: > 0 } sources) return null;
        // "Is Canberra the capital of Australia?" — "Yes.": a bare yes or no answers a yes/no question.
        if (YesNoQuestion().IsMatch(question)) return null;
        foreach (var source in sources)
        {
            try
            {
                if (source.StatesAnswer(question, answer) == false && source.Answer(question) is { Text.Length: > 0 } known) return known;
            }
            catch (Exception e)
            {
                LogKnowledgeSourceFailed(_logger, source.Id, e);
            }
        }
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\W*(?:is|isn't|are|aren't|was|wasn't|were|do|does|did|can|could|should|would|will|has|have|had)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex YesNoQuestion();

    private CorrectionResult Passed(CorrectionRequest request, FallbackReason reason, string detail) => new()
    {
        Question = request.Question ?? "",
        OriginalAnswer = request.Answer ?? "",
        CorrectedAnswer = request.Answer ?? "",
        ModelId = Model.Info.ModelId,
        FallbackReason = reason,
        FallbackDetail = detail,
    };

    private async Task RunRoundsAsync(List<Job> jobs, CancellationToken cancellationToken)
    {
        using var deadline = new Deadline(_options.Timeout, cancellationToken);
        for (int round = 1; round <= _options.MaxRounds; round++)
        {
            var prepared = new List<(Job Job, CorrectionPrompt Prompt)>();
            foreach (var job in jobs.Where(j => !j.Done))
                if (Prepare(job) is { } prompt) prepared.Add((job, prompt));
            if (prepared.Count == 0) break;
            foreach (var group in prepared.GroupBy(p => p.Job.Generation))
            {
                var items = group.ToList();
                IReadOnlyList<GenerationResult> outputs;
                try
                {
                    outputs = await GenerateAsync(items.Select(i => i.Prompt).ToList(), group.Key, deadline.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    foreach (var (job, _) in items) FailFromException(job, e, deadline);
                    continue;
                }
                for (int i = 0; i < items.Count; i++) Accept(items[i].Job, outputs[i]);
            }
        }
    }

    private async Task<IReadOnlyList<GenerationResult>> GenerateAsync(List<CorrectionPrompt> prompts, GenerationOptions options, CancellationToken token)
    {
        // WaitAsync: a backend that ignores cancellation still cannot hold the caller past the deadline.
        if (prompts.Count == 1)
            return [await Model.GenerateAsync(prompts[0], options, token).WaitAsync(token).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The correction model '{Model.Info.ModelId}' returned no result.")];
        var outputs = await Model.GenerateBatchAsync(prompts, options, token).WaitAsync(token).ConfigureAwait(false);
        if (outputs is null || outputs.Count != prompts.Count || outputs.Any(o => o is null))
            throw new InvalidOperationException($"The correction model '{Model.Info.ModelId}' returned {outputs?.Count ?? 0} results for {prompts.Count} prompts.");
        return outputs;
    }

    /// <summary>Renders the prompt of the job's next round within the context budget, or ends the job (returns null).</summary>
    private CorrectionPrompt? Prepare(Job job)
    {
        var question = _guard.Neutralize(job.Request.Question);
        var instruction = (job.Request.Instruction ?? (_options.Template.UsesInstruction ? Instruction(job.Gate?.Category) : null)) is { } i ? _guard.Neutralize(i) : null;
        var answer = job.Current;
        var prompt = Render(answer);
        int tokens = Model.CountPromptTokens(prompt);
        int context = Model.Info.ContextLength;
        int maxNew = job.Generation.MaxNewTokens;
        if ((long)tokens + maxNew <= context) return prompt;

        // Generation may be capped by the context, but must keep room for a correction about as long as the answer
        // (at least MinGenerationTokens, at most MaxNewTokens).
        var shortest = Render(Shorten(answer, 0));
        int shortestTokens = Model.CountPromptTokens(shortest);
        int Reserve(int promptTokens) => Math.Min(maxNew, Math.Max(_options.MinGenerationTokens, promptTokens - shortestTokens));
        int reserve = Reserve(tokens);
        if ((long)tokens + reserve <= context) return prompt;

        switch (_options.OnContextOverflow)
        {
            case ContextOverflowPolicy.Refuse:
                throw new ContextBudgetExceededException(tokens, reserve, context);
            case ContextOverflowPolicy.PassThrough:
                LogContextOverflow(_logger, tokens, reserve, context);
                job.Fail(FallbackReason.ContextOverflow, $"The prompt needs {tokens} tokens and generation {reserve} more, but the corrector's context holds {context}.", null);
                return null;
        }
        if ((long)shortestTokens + Reserve(shortestTokens) > context)
        {
            reserve = Reserve(shortestTokens);
            LogContextOverflow(_logger, shortestTokens, reserve, context);
            job.Fail(FallbackReason.ContextOverflow, $"Even with the answer cut to nothing the prompt needs {shortestTokens} tokens and generation {reserve} more, but the corrector's context holds {context}.",
                new ContextBudgetExceededException(shortestTokens, reserve, context), isFailure: true);
            return null;
        }
        int lo = 0, hi = answer.Length - 1;
        var best = shortest;
        while (lo < hi)
        {
            int mid = lo + (hi - lo + 1) / 2;
            var candidate = Render(Shorten(answer, mid));
            int candidateTokens = Model.CountPromptTokens(candidate);
            if ((long)candidateTokens + Reserve(candidateTokens) <= context) { lo = mid; best = candidate; }
            else hi = mid - 1;
        }
        LogTruncated(_logger, answer.Length, lo, context);
        job.Truncated = true;
        return best;

        CorrectionPrompt Render(string a) => _options.Template.Render(question, _guard.Neutralize(a), instruction);
    }

    /// <summary>The instruction of <see cref="AlignerOptions.Instructions"/> for a gate category, else its <c>default</c>; null without one.</summary>
    private string? Instruction(string? category)
    {
        if (_options.Instructions is not { } map) return null;
        if (category is not null)
            foreach (var (key, text) in map)
                if (string.Equals(key, category, StringComparison.OrdinalIgnoreCase)) return text;
        foreach (var (key, text) in map)
            if (string.Equals(key, "default", StringComparison.OrdinalIgnoreCase)) return text;
        return null;
    }

    /// <summary>The answer cut to <paramref name="keep"/> characters: its head and tail around <see cref="TruncationMarker"/>.</summary>
    internal static string Shorten(string answer, int keep)
    {
        if (keep >= answer.Length) return answer;
        int head = keep - keep / 2;
        int tailStart = answer.Length - keep / 2;
        if (head > 0 && char.IsHighSurrogate(answer[head - 1])) head--;
        if (tailStart < answer.Length && char.IsLowSurrogate(answer[tailStart])) tailStart++;
        return string.Concat(answer.AsSpan(0, head).TrimEnd(), TruncationMarker, answer.AsSpan(tailStart).TrimStart());
    }

    private void Accept(Job job, GenerationResult output)
    {
        job.PromptTokens += output.PromptTokens;
        job.GeneratedTokens += output.GeneratedTokens;
        if (job.Rounds == 0) job.KeepProbability = output.KeepProbability;
        if (output.Kept)
        {
            // The corrector's explicit "no change": the current answer stands, byte for byte.
            job.Rounds++;
            job.Kept = true;
            job.Done = true;
            return;
        }
        var text = _guard.Clean(output.Text ?? "");
        if (text.Length == 0)
            job.Fail(FallbackReason.EmptyOutput, $"The corrector returned no text (finish reason {output.FinishReason}).", null, isFailure: true);
        else if (DegenerateOutputDetector.IsDegenerate(text, _options.DegenerateRepetitionThreshold))
            job.Fail(FallbackReason.DegenerateOutput, $"The corrector's output repeats itself (finish reason {output.FinishReason}, {output.GeneratedTokens} tokens).", null, isFailure: true);
        else
        {
            job.Rounds++;
            if (string.Equals(text, job.Current, StringComparison.Ordinal)) job.Done = true;
            else job.Current = text;
        }
    }

    /// <summary>
    /// <see cref="AlignerOptions.TopicCheck"/>: discards the corrections of the checked categories whose embedding is too
    /// far from the question's (one encoder call for the batch). An encoder failure skips the check, with a warning.
    /// </summary>
    private async Task CheckTopicAsync(List<Job> jobs, CancellationToken cancellationToken)
    {
        if (_options.TopicCheck is not { } check) return;
        var checkedJobs = jobs.Where(j => j.Failure == FallbackReason.None && j.Rounds > 0 && !string.Equals(j.Current, j.Request.Answer, StringComparison.Ordinal)
            && j.Gate?.Category is { } category && check.Categories.Contains(category, StringComparer.OrdinalIgnoreCase)).ToList();
        if (checkedJobs.Count == 0) return;
        GeneratedEmbeddings<Embedding<float>> vectors;
        try
        {
            vectors = await _topicEncoder!.GenerateAsync(checkedJobs.SelectMany(j => new[] { j.Request.Question, j.Current }), null, cancellationToken).ConfigureAwait(false);
            if (vectors is null || vectors.Count != 2 * checkedJobs.Count)
                throw new InvalidOperationException($"The topic check's encoder returned {vectors?.Count ?? 0} vectors for {2 * checkedJobs.Count} texts.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogTopicCheckFailed(_logger, e);
            return;
        }
        for (int i = 0; i < checkedJobs.Count; i++)
        {
            double similarity = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(vectors[2 * i].Vector.Span, vectors[2 * i + 1].Vector.Span);
            if (double.IsNaN(similarity)) similarity = 0; // a zero vector is like nothing
            if (similarity >= check.MinSimilarity) continue;
            LogOffTopic(_logger, similarity, check.MinSimilarity);
            checkedJobs[i].Fail(FallbackReason.OffTopicOutput,
                $"The correction is not about the question (embedding similarity {similarity:F2} < {check.MinSimilarity:F2}); the original answer is returned.", null, discardOutput: true);
        }
    }

    private void FailFromException(Job job, Exception error, Deadline deadline)
    {
        if (error is OperationCanceledException && deadline.TimedOut)
            job.Fail(FallbackReason.Timeout, $"The correction took longer than {_options.Timeout}.", error, isFailure: true);
        else if (error is Generation.GenerationQueueFullException)
            job.Fail(FallbackReason.Overloaded, error.Message, error, isFailure: true);
        else
            job.Fail(FallbackReason.BackendError, $"The correction model failed: {error.GetType().Name}: {error.Message}", error, isFailure: true);
    }

    /// <summary>Turns a finished job into its result, applying <see cref="AlignerOptions.OnFailure"/>.</summary>
    private CorrectionResult Complete(Job job)
    {
        if (job.Failure != FallbackReason.None)
        {
            if (job.IsFailure && _options.OnFailure == FailureBehavior.Throw)
                throw new CorrectionFailedException(job.Failure, job.Detail ?? job.Failure.ToString(), job.Error);
            if (job.DiscardOutput) { } // logged where the output was discarded
            else if (job.Rounds > 0)
                LogLaterRoundFailed(_logger, job.Rounds + 1, job.Failure, job.Rounds, job.Error);
            else
                LogFallback(_logger, job.Failure, Model.Info.ModelId, job.Error);
        }
        bool fellBack = job.Failure != FallbackReason.None && (job.Rounds == 0 || job.DiscardOutput);
        return new CorrectionResult
        {
            Question = job.Request.Question,
            OriginalAnswer = job.Request.Answer,
            CorrectedAnswer = fellBack ? job.Request.Answer : job.Current,
            FallbackReason = fellBack ? job.Failure : FallbackReason.None,
            FallbackDetail = fellBack ? job.Detail : null,
            ModelId = Model.Info.ModelId,
            PromptTokens = job.PromptTokens,
            GeneratedTokens = job.GeneratedTokens,
            Rounds = job.Rounds,
            AnswerTruncated = job.Truncated,
            Kept = job.Kept && !fellBack && string.Equals(job.Current, job.Request.Answer, StringComparison.Ordinal),
            KeepProbability = job.KeepProbability,
            Gate = job.Gate,
        };
    }

    private CorrectionResult Finish(CorrectionResult result, long start, Activity? activity)
    {
        var finished = result with { Latency = Stopwatch.GetElapsedTime(start) };
        _metrics.Record(finished);
        AlignerTelemetry.Tag(activity, finished);
        LogFinished(_logger, AlignerTelemetry.Outcome(finished), finished.Rounds, finished.PromptTokens, finished.GeneratedTokens, finished.Latency.TotalMilliseconds);
        LogTexts(_logger, finished.OriginalAnswer, finished.CorrectedAnswer);
        return finished;
    }

    /// <summary>
    /// A backend's update stream read under a deadline: a step that outlives the deadline is abandoned, and the stream is
    /// disposed only once that step ends (disposing an iterator mid-step is not allowed), so a backend that ignores
    /// cancellation cannot hold the caller.
    /// </summary>
    private sealed class GenerationStream(IAsyncEnumerator<GenerationUpdate> stream) : IAsyncDisposable
    {
        private Task<bool>? _step;

        public async Task<(bool HasNext, GenerationUpdate? Update, Exception? Error)> NextAsync(CancellationToken token)
        {
            try
            {
                _step = stream.MoveNextAsync().AsTask();
                bool hasNext = await _step.WaitAsync(token).ConfigureAwait(false);
                return hasNext ? (true, stream.Current ?? throw new InvalidOperationException("The correction model streamed a null update."), null) : (false, null, null);
            }
            catch (Exception e) { return (false, null, e); }
        }

        public async ValueTask DisposeAsync()
        {
            if (_step is { IsCompleted: false } running)
            {
                _ = running.ContinueWith(_ => DisposeQuietlyAsync(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                return;
            }
            await DisposeQuietlyAsync().ConfigureAwait(false);
        }

        private async Task DisposeQuietlyAsync()
        {
            try { await stream.DisposeAsync().ConfigureAwait(false); }
            catch (Exception) { /* the stream already failed; its error was handled */ }
        }
    }

    /// <summary>One request's progress through the rounds.</summary>
    private sealed class Job(CorrectionRequest request, GenerationOptions generation)
    {
        public CorrectionRequest Request { get; } = request;
        public GenerationOptions Generation { get; set; } = generation;
        public GateDecision? Gate { get; set; }
        public string Current { get; set; } = request.Answer;
        public int PromptTokens { get; set; }
        public int GeneratedTokens { get; set; }
        public int Rounds { get; set; }
        public bool Truncated { get; set; }
        public bool Done { get; set; }
        public bool Kept { get; set; }
        public double? KeepProbability { get; set; }
        public FallbackReason Failure { get; private set; }
        public bool IsFailure { get; private set; }
        public string? Detail { get; private set; }
        public Exception? Error { get; private set; }

        /// <summary>Whether the corrections of earlier rounds are discarded too (the result is the original answer).</summary>
        public bool DiscardOutput { get; private set; }

        public void Fail(FallbackReason reason, string detail, Exception? error, bool isFailure = false, bool discardOutput = false)
        {
            Done = true;
            DiscardOutput = discardOutput;
            Failure = reason;
            Detail = detail;
            Error = error;
            IsFailure = isFailure;
        }
    }

    /// <summary>The caller's token linked with the pipeline's timeout.</summary>
    private sealed class Deadline : IDisposable
    {
        private readonly CancellationTokenSource? _timeout;
        private readonly CancellationTokenSource _linked;

        public Deadline(TimeSpan? timeout, CancellationToken caller)
        {
            if (timeout is { } t && t != System.Threading.Timeout.InfiniteTimeSpan) _timeout = new CancellationTokenSource(t);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(caller, _timeout?.Token ?? CancellationToken.None);
        }

        public CancellationToken Token => _linked.Token;
        public bool TimedOut => _timeout?.IsCancellationRequested == true;

        public void Dispose()
        {
            _linked.Dispose();
            _timeout?.Dispose();
        }
    }

    /// <summary>What the streaming caller has been shown since the last reset.</summary>
    private sealed class StreamView
    {
        public string Shown { get; private set; } = "";
        public bool ResetPending { get; set; }

        /// <summary>The update that brings the caller to <paramref name="target"/>; unless forced, only when it extends what is shown.</summary>
        public CorrectionUpdate? Advance(string target, bool force)
        {
            if (!ResetPending && target.StartsWith(Shown, StringComparison.Ordinal))
            {
                if (target.Length == Shown.Length) return null;
                var delta = target[Shown.Length..];
                Shown = target;
                return new CorrectionUpdate(delta);
            }
            if (!force) return null;
            Shown = target;
            ResetPending = false;
            return new CorrectionUpdate(target, Reset: true);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Correcting an answer of {AnswerLength} characters to a question of {QuestionLength} characters with {ModelId}.")]
    private static partial void LogCorrecting(ILogger logger, int questionLength, int answerLength, string modelId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Correction finished: {Outcome}, {Rounds} round(s), {PromptTokens} prompt and {GeneratedTokens} generated tokens, {LatencyMs:F1} ms.")]
    private static partial void LogFinished(ILogger logger, string outcome, int rounds, int promptTokens, int generatedTokens, double latencyMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Correction fell back to the original answer ({Reason}) with {ModelId}.")]
    private static partial void LogFallback(ILogger logger, FallbackReason reason, string modelId, Exception? exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "The correction gate '{GateId}' failed; the corrector decides alone.")]
    private static partial void LogGateFailed(ILogger logger, string gateId, Exception error);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "The fact checker '{CheckerId}' failed; skipped.")]
    private static partial void LogFactCheckerFailed(ILogger logger, string checkerId, Exception error);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "The topic check's encoder failed; corrections are returned unchecked.")]
    private static partial void LogTopicCheckFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "A correction was not about the question (similarity {Similarity:F2} < {MinSimilarity:F2}); the original answer is returned.")]
    private static partial void LogOffTopic(ILogger logger, double similarity, double minSimilarity);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Knowledge source '{SourceId}' failed; it is skipped for this request.")]
    private static partial void LogKnowledgeSourceFailed(ILogger logger, string sourceId, Exception error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Correction round {Round} failed ({Reason}); keeping the correction of round {KeptRound}.")]
    private static partial void LogLaterRoundFailed(ILogger logger, int round, FallbackReason reason, int keptRound, Exception? exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "An answer of {AnswerLength} characters was shortened to {KeptLength} to fit the corrector's context of {ContextLength} tokens.")]
    private static partial void LogTruncated(ILogger logger, int answerLength, int keptLength, int contextLength);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "The prompt needs {PromptTokens} tokens plus {MaxNewTokens} for generation, beyond the corrector's context of {ContextLength}.")]
    private static partial void LogContextOverflow(ILogger logger, int promptTokens, int maxNewTokens, int contextLength);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Input not corrected: {Field} is null, empty or whitespace.")]
    private static partial void LogInvalidInput(ILogger logger, string field);

    [LoggerMessage(EventId = 8, Level = LogLevel.Trace, Message = "Original answer: {Original}\nCorrected answer: {Corrected}")]
    private static partial void LogTexts(ILogger logger, string original, string corrected);
}
