namespace Aligner.Training;

/// <summary>
/// A right-padded batch of training sequences, row-major <c>[BatchSize, Length]</c>. <see cref="Targets"/> holds, for
/// each position, the id of the next token when that token is part of a correction (or its EOS), else −100: prompt
/// positions and padding contribute no loss.
/// </summary>
internal sealed class SequenceBatch
{
    /// <summary>The label of positions that carry no loss (PyTorch's <c>ignore_index</c>).</summary>
    public const long IgnoreIndex = -100;

    private SequenceBatch(long[] tokens, long[] attentionMask, long[] targets, int batchSize, int length, int targetCount)
    {
        (Tokens, AttentionMask, Targets, BatchSize, Length, TargetCount) = (tokens, attentionMask, targets, batchSize, length, targetCount);
    }

    public long[] Tokens { get; }

    public long[] AttentionMask { get; }

    public long[] Targets { get; }

    public int BatchSize { get; }

    public int Length { get; }

    /// <summary>Positions that carry loss.</summary>
    public int TargetCount { get; }

    /// <summary>Real (non-padding) tokens.</summary>
    public int TokenCount => (int)AttentionMask.Sum();

    public static SequenceBatch Collate(IReadOnlyList<EncodedSequence> sequences, int padTokenId)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sequences.Count);
        int batch = sequences.Count, length = sequences.Max(s => s.Tokens.Length);
        var tokens = new long[batch * length];
        var mask = new long[batch * length];
        var targets = new long[batch * length];
        Array.Fill(tokens, padTokenId);
        Array.Fill(targets, IgnoreIndex);
        int targetCount = 0;
        for (int b = 0; b < batch; b++)
        {
            var s = sequences[b];
            int row = b * length;
            for (int t = 0; t < s.Tokens.Length; t++)
            {
                tokens[row + t] = s.Tokens[t];
                mask[row + t] = 1;
                // Position t predicts token t + 1; only correction and EOS tokens are learned.
                if (t + 1 < s.Tokens.Length && t + 1 >= s.PromptLength)
                {
                    targets[row + t] = s.Tokens[t + 1];
                    targetCount++;
                }
            }
        }
        return new SequenceBatch(tokens, mask, targets, batch, length, targetCount);
    }
}
