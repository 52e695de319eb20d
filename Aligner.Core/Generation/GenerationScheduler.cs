using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Aligner.Generation;

/// <summary>One prompt waiting for, or being decoded in, a batch.</summary>
internal sealed class GenerationRow(int[] prompt, GenerationOptions options, Action<string>? onDelta, CancellationToken cancellationToken)
{
    public int[] Prompt { get; } = prompt;
    public GenerationOptions Options { get; } = options;
    public Action<string>? OnDelta { get; } = onDelta;
    public CancellationToken CancellationToken { get; } = cancellationToken;
    public TaskCompletionSource<GenerationResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public long EnqueuedAt { get; set; }
    public LinkedListNode<GenerationRow>? QueueNode { get; set; }
    public CancellationTokenRegistration Registration { get; set; }
}

/// <summary>
/// Merges concurrent requests into batches (see <see cref="GenerationSchedulerOptions"/>): one FIFO queue, one worker
/// at a time, batch by batch. A row leaves its batch as soon as it finishes or is cancelled (its caller resumes at
/// once); the others go on undisturbed.
/// </summary>
internal sealed class GenerationScheduler : IDisposable
{
    private static readonly UpDownCounter<int> QueueLength = AlignerTelemetry.Meter.CreateUpDownCounter<int>(
        AlignerTelemetry.QueueLengthInstrument, "{request}", "Generation requests waiting for a batch.");
    private static readonly Histogram<double> QueueWait = AlignerTelemetry.Meter.CreateHistogram<double>(
        AlignerTelemetry.QueueWaitInstrument, "s", "Time a generation request waited for its batch.");
    private static readonly Histogram<int> BatchSize = AlignerTelemetry.Meter.CreateHistogram<int>(
        AlignerTelemetry.BatchSizeInstrument, "{request}", "Rows decoded together per batch.");

    private readonly object _gate = new();
    private readonly LinkedList<GenerationRow> _queue = new();
    private readonly Action<IReadOnlyList<GenerationRow>, CancellationToken> _runBatch;
    private readonly GenerationSchedulerOptions _options;
    private readonly KeyValuePair<string, object?> _modelTag;
    private bool _working;
    private bool _disposed;
    private CancellationTokenSource? _running;   // the batch being decoded, cancelled by Dispose
    private int _workerThread;

    public GenerationScheduler(Action<IReadOnlyList<GenerationRow>, CancellationToken> runBatch, GenerationSchedulerOptions options, string modelId)
    {
        _runBatch = runBatch;
        _options = options;
        _modelTag = new(AlignerTelemetry.ModelTag, modelId);
    }

    /// <summary>Queues rows (all or none) and returns their results' tasks in order.</summary>
    /// <exception cref="GenerationQueueFullException">The queue cannot take all of them.</exception>
    public Task<GenerationResult>[] Submit(IReadOnlyList<GenerationRow> rows)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_queue.Count + rows.Count > _options.MaxQueueLength && _queue.Count > 0)
                throw new GenerationQueueFullException(_queue.Count);
            long now = Stopwatch.GetTimestamp();
            foreach (var row in rows)
            {
                row.EnqueuedAt = now;
                row.QueueNode = _queue.AddLast(row);
            }
            QueueLength.Add(rows.Count, _modelTag);
            if (!_working)
            {
                _working = true;
                _ = Task.Run(Work);
            }
        }
        foreach (var row in rows)
            if (row.CancellationToken.CanBeCanceled)
                row.Registration = row.CancellationToken.Register(static state => { var (self, r) = ((GenerationScheduler, GenerationRow))state!; self.Withdraw(r); }, (this, row));
        return [.. rows.Select(r => r.Completion.Task)];
    }

    /// <summary>A cancelled row leaves the queue at once; one already in a batch is dropped at the next step.</summary>
    private void Withdraw(GenerationRow row)
    {
        lock (_gate)
        {
            if (row.QueueNode is null) return;
            _queue.Remove(row.QueueNode);
            row.QueueNode = null;
            QueueLength.Add(-1, _modelTag);
        }
        row.Completion.TrySetCanceled(row.CancellationToken);
    }

    private void Work()
    {
        while (true)
        {
            List<GenerationRow> batch;
            lock (_gate)
            {
                if (_queue.Count == 0 || _disposed)
                {
                    _working = false;
                    Monitor.PulseAll(_gate);
                    return;
                }
                _workerThread = Environment.CurrentManagedThreadId;
                batch = TakeBatch();
            }
            Run(batch);
        }
    }

    /// <summary>The oldest row and the oldest rows that can share its batch. Caller holds the lock.</summary>
    private List<GenerationRow> TakeBatch()
    {
        var head = _queue.First!.Value;
        var batch = new List<GenerationRow>(_options.MaxBatchSize);
        for (var node = _queue.First; node is not null && batch.Count < _options.MaxBatchSize;)
        {
            var next = node.Next;
            if (ReferenceEquals(node.Value, head) || node.Value.Options.Equals(head.Options))
            {
                _queue.Remove(node);
                node.Value.QueueNode = null;
                batch.Add(node.Value);
            }
            node = next;
        }
        QueueLength.Add(-batch.Count, _modelTag);
        return batch;
    }

    private void Run(List<GenerationRow> batch)
    {
        long now = Stopwatch.GetTimestamp();
        foreach (var row in batch) QueueWait.Record(Stopwatch.GetElapsedTime(row.EnqueuedAt, now).TotalSeconds, _modelTag);
        BatchSize.Record(batch.Count, _modelTag);

        // The session stops inside a forward pass only when every row of the batch has been cancelled.
        using var allCancelled = new CancellationTokenSource();
        lock (_gate)
        {
            _running = allCancelled;
            if (_disposed) allCancelled.Cancel();
        }
        int live = batch.Count;
        var registrations = batch.Select(r => r.CancellationToken.Register(() =>
        {
            if (Interlocked.Decrement(ref live) == 0) allCancelled.Cancel();
        })).ToList();
        try
        {
            _runBatch(batch, allCancelled.Token);
        }
        catch (Exception e)
        {
            foreach (var row in batch)
            {
                if (row.CancellationToken.IsCancellationRequested) row.Completion.TrySetCanceled(row.CancellationToken);
                else row.Completion.TrySetException(e);
            }
        }
        finally
        {
            lock (_gate) _running = null;
            foreach (var registration in registrations) registration.Dispose();
            foreach (var row in batch)
            {
                row.Registration.Dispose();
                row.Completion.TrySetException(new InvalidOperationException("The generation loop ended without a result for this row."));
            }
        }
    }

    public void Dispose()
    {
        List<GenerationRow> orphans;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            orphans = [.. _queue];
            _queue.Clear();
            foreach (var row in orphans) row.QueueNode = null;
            QueueLength.Add(-orphans.Count, _modelTag);
            // The model is about to be released: stop the batch in progress (inside its forward pass) and wait for the
            // worker to leave it, so no native call outlives the weights. (Not from the worker itself: that would wait on itself.)
            _running?.Cancel();
            while (_working && _workerThread != Environment.CurrentManagedThreadId) Monitor.Wait(_gate);
        }
        foreach (var row in orphans) row.Completion.TrySetException(new ObjectDisposedException(nameof(DecoderCorrectionModel), "The correction model was disposed before this request ran."));
    }
}
