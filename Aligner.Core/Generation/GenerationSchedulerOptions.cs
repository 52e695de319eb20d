namespace Aligner.Generation;

/// <summary>
/// How a local backend (<see cref="DecoderCorrectionModel"/>) merges concurrent requests into batches.
/// </summary>
/// <remarks>
/// Requests wait in one FIFO queue. A single worker takes the oldest request and every queued request that can share
/// its batch (same <see cref="GenerationOptions"/>), up to <see cref="MaxBatchSize"/> rows, and decodes them together;
/// requests that arrive meanwhile form the next batch. Decoding a batch costs about as much per step as decoding one
/// row (the weights are read once per step), so concurrent callers get several times the throughput of one-by-one
/// decoding, and greedy results are the same as alone. A full queue fails fast with
/// <see cref="GenerationQueueFullException"/> instead of letting latency grow without bound.
/// </remarks>
public sealed class GenerationSchedulerOptions
{
    /// <summary>Most rows decoded together. Default 8. Each row holds its own KV cache for the batch's duration.</summary>
    public int MaxBatchSize { get; set; } = 8;

    /// <summary>Most rows waiting for a batch; more are refused with <see cref="GenerationQueueFullException"/>. Default 1024.</summary>
    public int MaxQueueLength { get; set; } = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (MaxBatchSize < 1) throw new ArgumentException($"{nameof(MaxBatchSize)} must be at least 1 (was {MaxBatchSize}).", nameof(MaxBatchSize));
        if (MaxQueueLength < 1) throw new ArgumentException($"{nameof(MaxQueueLength)} must be at least 1 (was {MaxQueueLength}).", nameof(MaxQueueLength));
    }
}

/// <summary>The generation queue of a local backend is full (see <see cref="GenerationSchedulerOptions.MaxQueueLength"/>).</summary>
public sealed class GenerationQueueFullException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="queueLength">Rows waiting when the request was refused.</param>
    public GenerationQueueFullException(int queueLength)
        : base($"The correction model's queue is full ({queueLength} requests waiting); retry later or raise {nameof(GenerationSchedulerOptions)}.{nameof(GenerationSchedulerOptions.MaxQueueLength)}.")
        => QueueLength = queueLength;

    /// <summary>Rows waiting when the request was refused.</summary>
    public int QueueLength { get; }
}
