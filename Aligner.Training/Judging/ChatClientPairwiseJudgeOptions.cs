using Microsoft.Extensions.AI;

namespace Aligner.Training.Judging;

/// <summary>Options of a <see cref="ChatClientPairwiseJudge"/>.</summary>
public sealed class ChatClientPairwiseJudgeOptions
{
    /// <summary>
    /// Chat options sent with every judge call (cloned per call); default temperature 0. Set
    /// <see cref="ChatOptions.ModelId"/> here to choose the judge model.
    /// </summary>
    public ChatOptions ChatOptions { get; set; } = new() { Temperature = 0f };

    /// <summary>
    /// Times one position order is asked again when the reply has no parsable verdict, before the order counts as
    /// unparsable. Default 1; 0 never asks again.
    /// </summary>
    public int RetriesWhenUnparsable { get; set; } = 1;

    /// <summary>Whether both position orders are asked (the default, which cancels order bias) or only candidate-first.</summary>
    public bool SwapPositions { get; set; } = true;
}
