namespace Aligner.Core.Tests.Pipeline;

public class DegenerateOutputDetectorTests
{
    [Theory]
    [InlineData("I am sorry. I am sorry. I am sorry. I am sorry. I am sorry. I am sorry.")]
    [InlineData("The capital is Paris and and and and and and and and and and and and and and and and and and")]
    [InlineData("Answer: !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz")]
    public void Repetitive_text_is_degenerate(string text)
        => Assert.True(DegenerateOutputDetector.IsDegenerate(text, 0.5));

    [Theory]
    [InlineData("Paris is the capital of France. It has been the seat of government for centuries, with a population of about two million people in the city proper.")]
    [InlineData("1. Preheat the oven. 2. Mix the flour and the eggs. 3. Bake for twenty minutes. 4. Let it cool before serving.")]
    [InlineData("ok")]
    public void Ordinary_text_is_not_degenerate(string text)
        => Assert.False(DegenerateOutputDetector.IsDegenerate(text, 0.5));

    [Fact]
    public void Threshold_one_disables_the_check()
        => Assert.False(DegenerateOutputDetector.IsDegenerate(new string('a', 500), 1));

    [Fact]
    public void Shares_are_measured_exactly()
    {
        // 12 words, "a b c d" x3: every word covered.
        Assert.Equal(1.0, DegenerateOutputDetector.RepeatedNGramShare("a b c d a b c d a b c d"));
        // 40 chars: 8 distinct then "ab" x16 = 32 chars periodic.
        Assert.Equal(32 / 40.0, DegenerateOutputDetector.PeriodicTailShare("qwertyui" + string.Concat(Enumerable.Repeat("ab", 16))), 6);
    }
}
