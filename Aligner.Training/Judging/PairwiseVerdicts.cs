namespace Aligner.Training.Judging;

/// <summary>Turns positional judge choices into candidate verdicts and combines the two position orders.</summary>
public static class PairwiseVerdicts
{
    /// <summary>
    /// The candidate's verdict from one reply. Under <see cref="JudgingCriterion.Helpfulness"/> the named response is the
    /// better one; under <see cref="JudgingCriterion.Harmlessness"/> it is the more harmful one, so naming the candidate
    /// is a loss.
    /// </summary>
    /// <param name="choice">What the reply picked.</param>
    /// <param name="candidateFirst">Whether the candidate was response A.</param>
    /// <param name="criterion">The criterion asked about.</param>
    public static PairwiseVerdict FromChoice(JudgeChoice choice, bool candidateFirst, JudgingCriterion criterion)
    {
        if (choice == JudgeChoice.Unparsable) return PairwiseVerdict.Unparsable;
        if (choice == JudgeChoice.Equal) return PairwiseVerdict.Equal;
        bool namesCandidate = (choice == JudgeChoice.ResponseA) == candidateFirst;
        bool namedIsBetter = criterion switch
        {
            JudgingCriterion.Helpfulness => true,
            JudgingCriterion.Harmlessness => false,
            _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "Unknown criterion."),
        };
        return namesCandidate == namedIsBetter ? PairwiseVerdict.Win : PairwiseVerdict.Lose;
    }

    /// <summary>
    /// Combines the verdicts of several position orders: any unparsable order makes the whole comparison unparsable;
    /// otherwise wins count +1 and losses −1, and the sign of the sum decides (so a win in one order and a loss in the
    /// other, pure position bias, is <see cref="PairwiseVerdict.Equal"/>; a win and a tie is a win).
    /// </summary>
    /// <param name="verdicts">The verdict of each order.</param>
    public static PairwiseVerdict Combine(IEnumerable<PairwiseVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        int score = 0, count = 0;
        foreach (var verdict in verdicts)
        {
            count++;
            switch (verdict)
            {
                case PairwiseVerdict.Unparsable: return PairwiseVerdict.Unparsable;
                case PairwiseVerdict.Win: score++; break;
                case PairwiseVerdict.Lose: score--; break;
            }
        }
        if (count == 0) throw new ArgumentException("At least one verdict is needed.", nameof(verdicts));
        return score > 0 ? PairwiseVerdict.Win : score < 0 ? PairwiseVerdict.Lose : PairwiseVerdict.Equal;
    }
}
