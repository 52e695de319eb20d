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

/// <summary>The weak-to-strong sample, CI-sized.</summary>
public sealed class WeakToStrongSampleTests
{
    [Fact]
    public async Task WeakToStrong_sample_runs_the_loop_and_prints_the_table()
    {
        var work = Directory.CreateTempSubdirectory("aligner-w2s-").FullName;
        try
        {
            var assembly = System.Reflection.Assembly.Load("WeakToStrong");
            var corrector = Path.Combine(RepositoryPaths.Root, "samples", "models", "aligner-demo");
            var dataset = Path.Combine(RepositoryPaths.Root, "samples", "data", "aligner-demo");
            var (code, stdout, stderr) = await EntryPointRunner.RunAsync(assembly, "--quick", corrector, dataset, work);
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.Contains("| metric | strong model before | after W2S SFT", stdout);
        }
        finally { Directory.Delete(work, recursive: true); }
    }
}
