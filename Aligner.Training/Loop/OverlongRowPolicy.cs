namespace Aligner.Training;

/// <summary>What to do with a row whose prompt + correction + EOS exceeds the maximum sequence length. The correction is never cut.</summary>
public enum OverlongRowPolicy
{
    /// <summary>Shorten the upstream answer inside the prompt (cutting its end) until the row fits; drop the row if even an empty answer does not fit.</summary>
    TruncateAnswer,

    /// <summary>Leave the row out of training; the count is reported.</summary>
    Drop,
}
