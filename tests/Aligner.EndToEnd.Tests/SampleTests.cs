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

/// <summary>The Semantic Kernel sample: middleware and filter variants.</summary>
public sealed class SemanticKernelSampleTests
{
    [Fact]
    public async Task SemanticKernel_sample_corrects_prompt_function_results()
    {
        var (code, stdout, stderr) = await EntryPointRunner.RunAsync(typeof(CannedUpstreamChatClient).Assembly);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains("Prompt function through UseAligner():", stdout);
        Assert.Contains("Prompt function through a filter:", stdout);
        Assert.DoesNotContain("twist them together", stdout);
    }
}
