namespace Aligner.Training;

/// <summary>
/// One training sequence: prompt tokens, then the correction's tokens and EOS. <see cref="PromptLength"/> tokens are
/// context only (label −100); the rest is what the model learns to write.
/// </summary>
/// <param name="Tokens">Prompt + correction + EOS token ids.</param>
/// <param name="PromptLength">How many leading tokens are the prompt.</param>
public sealed record EncodedSequence(int[] Tokens, int PromptLength)
{
    /// <summary>Tokens that carry loss: the correction and EOS.</summary>
    public int TargetLength => Tokens.Length - PromptLength;
}
