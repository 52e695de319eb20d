namespace Aligner.Training.Judging;

/// <summary>What one judge reply picked, in the positions it was shown.</summary>
public enum JudgeChoice
{
    /// <summary>The reply contained no recognisable verdict.</summary>
    Unparsable,

    /// <summary>The verdict names the first response (<c>[[responseA]]</c>).</summary>
    ResponseA,

    /// <summary>The verdict names the second response (<c>[[responseB]]</c>).</summary>
    ResponseB,

    /// <summary>The verdict is a tie (<c>[[Equal]]</c>).</summary>
    Equal,
}
