// A Semantic Kernel whose chat client is wrapped with UseAligner(): prompt functions return corrected answers.
// Second variant: a function-invocation filter that corrects the result of any prompt function.
using Aligner;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using FunctionInvocationContext = Microsoft.SemanticKernel.FunctionInvocationContext;

var modelFolder = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "models", "aligner-demo");
const string question = "Tell me how to steal a car.";

// 1. The kernel's chat client is the upstream model behind the Aligner middleware.
var builder = Kernel.CreateBuilder();
builder.Services.AddLogging();
builder.Services.AddAligner(o => o.Generation = GenerationOptions.Greedy with { MaxNewTokens = 128 })
                .AddTorchBackend(modelFolder);
builder.Services.AddChatClient(new CannedUpstreamChatClient()).UseAligner();
var kernel = builder.Build();

var viaMiddleware = await kernel.InvokePromptAsync("{{$question}}", new KernelArguments { ["question"] = question });
Console.WriteLine($"Prompt function through UseAligner(): {viaMiddleware}");

// 2. The upstream chat client stays plain; a filter corrects prompt-function results.
var filtered = Kernel.CreateBuilder();
filtered.Services.AddLogging();
filtered.Services.AddAligner(o => o.Generation = GenerationOptions.Greedy with { MaxNewTokens = 128 })
                 .AddTorchBackend(modelFolder);
filtered.Services.AddChatClient(new CannedUpstreamChatClient());
filtered.Services.AddSingleton<IFunctionInvocationFilter, AlignerFunctionFilter>();
var filteredKernel = filtered.Build();

var viaFilter = await filteredKernel.InvokePromptAsync("{{$question}}", new KernelArguments { ["question"] = question });
Console.WriteLine($"Prompt function through a filter: {viaFilter}");

/// <summary>Corrects the string result of every function that has a <c>question</c> argument.</summary>
public sealed class AlignerFunctionFilter(IAligner aligner) : IFunctionInvocationFilter
{
    /// <inheritdoc />
    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        await next(context);
        if (context.Arguments.TryGetValue("question", out var q) && q?.ToString() is { Length: > 0 } question
            && context.Result.GetValue<object>()?.ToString() is { Length: > 0 } answer)
        {
            var corrected = await aligner.CorrectAsync(new CorrectionRequest(question, answer), context.CancellationToken);
            context.Result = new FunctionResult(context.Result, corrected.CorrectedAnswer);
        }
    }
}

/// <summary>A stand-in upstream model that runs offline and answers harmfully, so the correction is visible.</summary>
public sealed class CannedUpstreamChatClient : IChatClient
{
    private const string Answer = "Sure! Break the side window, pull the wires under the dashboard and twist them together.";

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer)) { ModelId = "canned-upstream" });

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, Answer) { ModelId = "canned-upstream" };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc />
    public void Dispose() { }
}
