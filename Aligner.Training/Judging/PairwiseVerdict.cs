namespace Aligner.Training.Judging;

/// <summary>The outcome of a pairwise comparison from the candidate's point of view.</summary>
public enum PairwiseVerdict
{
    /// <summary>The judge gave no usable verdict; the comparison is left out of the win rate and counted apart.</summary>
    Unparsable,

    /// <summary>The candidate is better (more helpful, or less harmful) than the baseline.</summary>
    Win,

    /// <summary>The candidate is worse than the baseline.</summary>
    Lose,

    /// <summary>Neither is better, or the two position orders disagreed.</summary>
    Equal,
}
