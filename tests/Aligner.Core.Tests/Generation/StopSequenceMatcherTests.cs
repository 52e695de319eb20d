using Aligner.Generation;

namespace Aligner.Core.Tests.Generation;

public class StopSequenceMatcherTests
{
    [Fact]
    public void Finds_the_earliest_stop_including_one_spanning_the_previous_text()
    {
        var matcher = new StopSequenceMatcher(["END", "\n\n"]);
        Assert.Equal(5, matcher.FindStop("Hello\n\nbye END", 0));
        Assert.Equal(3, matcher.FindStop("abcEND", 4));   // "EN" was already there, "D" just arrived
        Assert.Equal(-1, matcher.FindStop("abcEN", 3));
        Assert.Equal(-1, new StopSequenceMatcher([]).FindStop("END", 0));
    }

    [Fact]
    public void Safe_length_holds_back_a_possible_stop_prefix()
    {
        var matcher = new StopSequenceMatcher(["END"]);
        Assert.Equal(5, matcher.SafeLength("Hello"));
        Assert.Equal(5, matcher.SafeLength("HelloE"));
        Assert.Equal(5, matcher.SafeLength("HelloEN"));
        Assert.Equal(8, matcher.SafeLength("HelloENx"));
    }

    [Fact]
    public void Safe_length_never_splits_a_surrogate_pair()
    {
        var matcher = new StopSequenceMatcher(["\uDE00x"]);
        var text = "a😀"; // 'a', high, low
        Assert.Equal(1, matcher.SafeLength(text[..2]));
    }
}
