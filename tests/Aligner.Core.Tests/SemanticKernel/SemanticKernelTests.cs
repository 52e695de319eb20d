using Aligner.Core.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using FunctionInvocationContext = Microsoft.SemanticKernel.FunctionInvocationContext;

namespace Aligner.Core.Tests.SemanticKernel;

/// <summary>Semantic Kernel builds on IChatClient, so the same middleware corrects a Kernel's prompt functions.</summary>
public class SemanticKernelTests
{
    private static ScriptedChatClient Upstream() =>
        new((messages, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "Lyon is the capital of France.")) { ResponseId = "r1" });

    private static ScriptedCorrectionModel Corrector() =>
        new((q, a) => a.Contains("Lyon") ? $"Paris is the capital of France. (asked: {q})" : a);

    [Fact]
    public async Task A_kernel_whose_chat_client_uses_the_aligner_returns_corrected_answers()
    {
        var upstream = Upstream();
        var builder = Kernel.CreateBuilder();
        builder.Services.AddAligner(o => o.Generation = GenerationOptions.Greedy).UseCorrectionModel(_ => Corrector());
        builder.Services.AddChatClient(upstream).UseAligner();
        var kernel = builder.Build();

        var function = kernel.CreateFunctionFromPrompt("What is the capital of {{$country}}?");
        var result = await function.InvokeAsync(kernel, new KernelArguments { ["country"] = "France" });

        Assert.Equal("Paris is the capital of France. (asked: What is the capital of France?)", result.GetValue<string>());
        Assert.Equal("What is the capital of France?", Assert.Single(upstream.Calls).Messages[^1].Text);
    }

    [Fact]
    public async Task Streaming_a_prompt_function_streams_the_correction()
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddAligner().UseCorrectionModel(_ => Corrector());
        builder.Services.AddChatClient(Upstream()).UseAligner();
        var kernel = builder.Build();

        var chunks = new List<string>();
        await foreach (var chunk in kernel.InvokePromptStreamingAsync<string>("Capital of France?")) chunks.Add(chunk);
        Assert.Equal("Paris is the capital of France. (asked: Capital of France?)", string.Concat(chunks));
        Assert.True(chunks.Count > 1);
    }

    /// <summary>The filter variant: corrects the result of any prompt function, whatever service produced it.</summary>
    private sealed class AlignerFunctionInvocationFilter(IAligner aligner) : IFunctionInvocationFilter
    {
        public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
        {
            await next(context);
            if (context.Result.GetValue<object>() is not { } value || value.ToString() is not { Length: > 0 } answer) return;
            var question = context.Arguments.TryGetValue("question", out var q) && q is not null ? q.ToString()! : context.Function.Name;
            var corrected = await aligner.CorrectAsync(new CorrectionRequest(question, answer), context.CancellationToken);
            context.Result = new FunctionResult(context.Result, corrected.CorrectedAnswer);
        }
    }

    [Fact]
    public async Task A_function_invocation_filter_corrects_prompt_function_results()
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddAligner().UseCorrectionModel(_ => Corrector());
        builder.Services.AddChatClient(Upstream()); // not wrapped: the filter does the correcting
        builder.Services.AddSingleton<IFunctionInvocationFilter>(sp => new AlignerFunctionInvocationFilter(sp.GetRequiredService<IAligner>()));
        var kernel = builder.Build();

        var result = await kernel.InvokePromptAsync("{{$question}}", new KernelArguments { ["question"] = "Which city is the capital of France?" });
        Assert.Equal("Paris is the capital of France. (asked: Which city is the capital of France?)", result.GetValue<string>());
    }
}
