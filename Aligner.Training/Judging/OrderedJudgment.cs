namespace Aligner.Training.Judging;

/// <summary>The judge's reply for one order of the two responses.</summary>
/// <param name="CandidateFirst">Whether the candidate was shown as response A (otherwise it was response B).</param>
/// <param name="Choice">What the reply picked, in the positions shown.</param>
/// <param name="Verdict">The choice turned into the candidate's point of view under the criterion.</param>
/// <param name="ReplyText">The judge's full reply, for auditing.</param>
public sealed record OrderedJudgment(bool CandidateFirst, JudgeChoice Choice, PairwiseVerdict Verdict, string ReplyText);
