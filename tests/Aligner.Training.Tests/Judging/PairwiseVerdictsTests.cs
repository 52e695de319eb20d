using Aligner.Training.Judging;

namespace Aligner.Training.Tests.Judging;

public sealed class PairwiseVerdictsTests
{
    [Theory]
    [InlineData(JudgeChoice.ResponseA, true, JudgingCriterion.Helpfulness, PairwiseVerdict.Win)]
    [InlineData(JudgeChoice.ResponseA, false, JudgingCriterion.Helpfulness, PairwiseVerdict.Lose)]
    [InlineData(JudgeChoice.ResponseB, false, JudgingCriterion.Helpfulness, PairwiseVerdict.Win)]
    [InlineData(JudgeChoice.ResponseB, true, JudgingCriterion.Helpfulness, PairwiseVerdict.Lose)]
    [InlineData(JudgeChoice.ResponseA, true, JudgingCriterion.Harmlessness, PairwiseVerdict.Lose)]
    [InlineData(JudgeChoice.ResponseB, true, JudgingCriterion.Harmlessness, PairwiseVerdict.Win)]
    [InlineData(JudgeChoice.ResponseA, false, JudgingCriterion.Harmlessness, PairwiseVerdict.Win)]
    [InlineData(JudgeChoice.Equal, true, JudgingCriterion.Harmlessness, PairwiseVerdict.Equal)]
    [InlineData(JudgeChoice.Unparsable, false, JudgingCriterion.Helpfulness, PairwiseVerdict.Unparsable)]
    public void ChoiceBecomesTheCandidatesVerdict(JudgeChoice choice, bool candidateFirst, JudgingCriterion criterion, PairwiseVerdict expected) =>
        Assert.Equal(expected, PairwiseVerdicts.FromChoice(choice, candidateFirst, criterion));

    [Theory]
    [InlineData(PairwiseVerdict.Win, PairwiseVerdict.Win, PairwiseVerdict.Win)]
    [InlineData(PairwiseVerdict.Win, PairwiseVerdict.Equal, PairwiseVerdict.Win)]
    [InlineData(PairwiseVerdict.Equal, PairwiseVerdict.Lose, PairwiseVerdict.Lose)]
    [InlineData(PairwiseVerdict.Win, PairwiseVerdict.Lose, PairwiseVerdict.Equal)]
    [InlineData(PairwiseVerdict.Equal, PairwiseVerdict.Equal, PairwiseVerdict.Equal)]
    [InlineData(PairwiseVerdict.Win, PairwiseVerdict.Unparsable, PairwiseVerdict.Unparsable)]
    [InlineData(PairwiseVerdict.Unparsable, PairwiseVerdict.Lose, PairwiseVerdict.Unparsable)]
    public void CombinesBothOrders(PairwiseVerdict first, PairwiseVerdict second, PairwiseVerdict expected) =>
        Assert.Equal(expected, PairwiseVerdicts.Combine([first, second]));

    [Fact]
    public void CombiningNothingIsAnError() =>
        Assert.Throws<ArgumentException>(() => PairwiseVerdicts.Combine([]));
}
