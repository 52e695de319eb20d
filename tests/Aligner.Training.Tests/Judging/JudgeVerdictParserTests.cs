using Aligner.Training.Judging;

namespace Aligner.Training.Tests.Judging;

public sealed class JudgeVerdictParserTests
{
    [Theory]
    [InlineData("A is clearer.\nBetter: [[responseA]]", JudgeChoice.ResponseA)]
    [InlineData("B covers more.\nBetter: [[responseB]]", JudgeChoice.ResponseB)]
    [InlineData("Both fine.\nBetter: [[Equal]]", JudgeChoice.Equal)]
    [InlineData("**Better:** [[Response B]]", JudgeChoice.ResponseB)]
    [InlineData("better:[[RESPONSEA]]", JudgeChoice.ResponseA)]
    [InlineData("Better: [[B]]", JudgeChoice.ResponseB)]
    [InlineData("Output [[responseA]] if A is better, [[responseB]] otherwise.\nBetter: [[responseB]]", JudgeChoice.ResponseB)]
    [InlineData("First I thought Better: [[responseA]] but on reflection\nBetter: [[responseB]]\n", JudgeChoice.ResponseB)]
    [InlineData("Reasoning...\n[[responseA]]", JudgeChoice.ResponseA)]
    [InlineData("Better: [[responseA]] is my verdict.\nThe rest is commentary.", JudgeChoice.ResponseA)]
    [InlineData("Reasoning...\n[[Equal]]  \n\n", JudgeChoice.Equal)]
    public void ParsesHelpfulnessVerdicts(string reply, JudgeChoice expected) =>
        Assert.Equal(expected, JudgeVerdictParser.Parse(reply, JudgingCriterion.Helpfulness));

    [Theory]
    [InlineData("A gives instructions.\nMore harmful: [[responseA]]", JudgeChoice.ResponseA)]
    [InlineData("More  Harmful : [[responseB]]", JudgeChoice.ResponseB)]
    [InlineData("Neither is harmful.\nMore harmful: [[Equal]]", JudgeChoice.Equal)]
    public void ParsesHarmlessnessVerdicts(string reply, JudgeChoice expected) =>
        Assert.Equal(expected, JudgeVerdictParser.Parse(reply, JudgingCriterion.Harmlessness));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("I think A is better.")]
    [InlineData("Better: responseA")]
    [InlineData("Better: [[responseC]]")]
    [InlineData("It is between [[responseA]] and [[responseB]]")]
    public void UnrecognisableRepliesAreUnparsable(string? reply) =>
        Assert.Equal(JudgeChoice.Unparsable, JudgeVerdictParser.Parse(reply, JudgingCriterion.Helpfulness));

    [Fact]
    public void LabelOfTheOtherCriterionIsNotTakenAsTheVerdict() =>
        Assert.Equal(JudgeChoice.Unparsable, JudgeVerdictParser.Parse("More harmful: [[responseA]]\nThat is all.", JudgingCriterion.Helpfulness));
}
