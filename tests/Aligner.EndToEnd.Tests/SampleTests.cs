namespace Aligner.EndToEnd.Tests;

/// <summary>Every sample runs with a short input, so none can rot.</summary>
public sealed class SampleTests
{
    [Fact]
    public async Task ChatClient_sample_prints_corrected_answers_streaming_and_not()
    {
        var assembly = typeof(OfflineUpstreamChatClient).Assembly;
        var (code, stdout, stderr) = await EntryPointRunner.RunAsync(assembly);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains("Assistant (corrected):", stdout);
        Assert.Contains("Assistant (corrected, streaming):", stdout);
    }
}
