using Aligner.Core.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Aligner.Core.Tests.ChatClients;

public class ChatClientCorrectionModelTests
{
    private static ScriptedChatClient Server(string reply, UsageDetails? usage = null, ChatFinishReason? finish = null) =>
        new((_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, reply)) { Usage = usage, FinishReason = finish ?? ChatFinishReason.Stop });

    [Fact]
    public async Task The_prompt_text_is_sent_as_the_only_user_message_and_options_are_mapped()
    {
        var server = Server(" Paris.", new UsageDetails { InputTokenCount = 40, OutputTokenCount = 3 });
        var baseOptions = new ChatOptions { AdditionalProperties = new() { ["keep"] = 1 } };
        var model = new ChatClientCorrectionModel(server, new ChatClientCorrectionModelOptions { ModelId = "aligner-7b", ChatOptions = baseOptions });
        var prompt = CorrectionPromptTemplate.V1.Render("Capital?", "Lyon");
        var options = new GenerationOptions { MaxNewTokens = 77, Temperature = 0.3f, TopK = 10, TopP = 0.95f, FrequencyPenalty = 1.2f, RepetitionPenalty = 1.1f, Seed = 5, StopSequences = ["\n\n"] };
        var result = await model.GenerateAsync(prompt, options);

        Assert.Equal(new GenerationResult(" Paris.", 40, 3, FinishReason.EndOfSequence), result);
        var (messages, sent) = Assert.Single(server.Calls);
        var message = Assert.Single(messages);
        Assert.Equal(ChatRole.User, message.Role);
        Assert.Equal(prompt.Text, message.Text);
        Assert.NotNull(sent);
        Assert.NotSame(baseOptions, sent);
        Assert.Equal("aligner-7b", sent.ModelId);
        Assert.Equal(77, sent.MaxOutputTokens);
        Assert.Equal(0.3f, sent.Temperature);
        Assert.Equal(10, sent.TopK);
        Assert.Equal(0.95f, sent.TopP);
        Assert.Equal(1.2f, sent.FrequencyPenalty);
        Assert.Equal(5L, sent.Seed);
        Assert.Equal(["\n\n"], sent.StopSequences);
        Assert.Equal(1.1f, sent.AdditionalProperties!["repetition_penalty"]);
        Assert.Equal(1, sent.AdditionalProperties["keep"]);
        Assert.Single(baseOptions.AdditionalProperties!); // the configured options were cloned, not changed
        Assert.Equal("aligner-7b", model.Info.ModelId);
        Assert.Equal("chat-client", model.Info.Backend);
    }

    [Fact]
    public async Task Greedy_leaves_sampling_fields_out()
    {
        var server = Server("x");
        await new ChatClientCorrectionModel(server).GenerateAsync(CorrectionPrompt.FromUntrustedText("p"), GenerationOptions.Greedy);
        var sent = server.Calls[0].Options!;
        Assert.Equal(0f, sent.Temperature);
        Assert.Null(sent.TopK);
        Assert.Null(sent.TopP);
        Assert.Null(sent.FrequencyPenalty);
        Assert.Null(sent.StopSequences);
    }

    [Fact]
    public async Task Stop_sequences_and_length_are_honoured_even_when_the_server_ignores_them()
    {
        var model = new ChatClientCorrectionModel(Server("fine answer\n\nUSER: more", finish: ChatFinishReason.Length));
        var stopped = await model.GenerateAsync(CorrectionPrompt.FromUntrustedText("p"), GenerationOptions.Greedy with { StopSequences = ["\n\n"] });
        Assert.Equal("fine answer", stopped.Text);
        Assert.Equal(FinishReason.StopSequence, stopped.FinishReason);
        var cut = await model.GenerateAsync(CorrectionPrompt.FromUntrustedText("p"), GenerationOptions.Greedy);
        Assert.Equal(FinishReason.Length, cut.FinishReason);
    }

    [Fact]
    public void Prompt_tokens_are_estimated_high_or_counted_by_a_supplied_counter()
    {
        var prompt = CorrectionPrompt.FromUntrustedText("abcdefghi");
        Assert.Equal(4, new ChatClientCorrectionModel(Server("")).CountPromptTokens(prompt)); // 9 bytes / 3 + BOS
        Assert.Equal(2, ChatClientCorrectionModel.EstimateTokens("é")); // 2 bytes -> 1, + BOS
        Assert.Equal(9, new ChatClientCorrectionModel(Server(""), new() { TokenCounter = t => t.Length }).CountPromptTokens(prompt));
        Assert.Equal("scripted-default-model", new ChatClientCorrectionModel(Server("")).Info.ModelId);
    }

    [Fact]
    public async Task Streaming_passes_deltas_through_and_reports_usage()
    {
        var updates = new ChatResponseUpdate[]
        {
            new(ChatRole.Assistant, "Par"), new(null, "is"), new(null, " is EN"), new(null, "D nice"),
            new() { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 9, OutputTokenCount = 4 })], FinishReason = ChatFinishReason.Stop },
        };
        var model = new ChatClientCorrectionModel(new ScriptedChatClient((_, _) => throw new InvalidOperationException(), (_, _) => updates));
        var deltas = new List<string>();
        GenerationResult? final = null;
        await foreach (var u in model.GenerateStreamingAsync(CorrectionPrompt.FromUntrustedText("p"), GenerationOptions.Greedy with { StopSequences = ["END"] }))
        {
            deltas.Add(u.TextDelta);
            final = u.Final ?? final;
        }
        Assert.Equal(new GenerationResult("Paris is ", 9, 4, FinishReason.StopSequence), final);
        Assert.Equal("Paris is ", string.Concat(deltas));
        Assert.DoesNotContain(deltas, d => d.Contains("EN"));
    }

    [Fact]
    public async Task Batches_keep_order()
    {
        var server = new ScriptedChatClient((m, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, m[0].Text.ToUpperInvariant())));
        var model = new ChatClientCorrectionModel(server, new() { MaxParallelRequests = 3 });
        var prompts = Enumerable.Range(0, 10).Select(i => CorrectionPrompt.FromUntrustedText($"p{i}")).ToList();
        var results = await model.GenerateBatchAsync(prompts, GenerationOptions.Greedy);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"P{i}"), results.Select(r => r.Text));
    }

    [Fact]
    public void Invalid_settings_are_rejected_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new ChatClientCorrectionModel(Server(""), new() { ContextLength = 0 }));
        Assert.Contains("ContextLength", e.Message);
    }

    [Fact]
    public async Task AddChatClientBackend_wires_a_remote_corrector_into_the_pipeline()
    {
        var server = Server("ASSISTANT: Paris is the capital of France.");
        var services = new ServiceCollection();
        services.AddAligner(o => o.Generation = GenerationOptions.Greedy with { MaxNewTokens = 256 })
            .AddChatClientBackend(server, o => { o.ModelId = "remote-aligner"; o.ContextLength = 2048; });
        using var provider = services.BuildServiceProvider();
        var result = await provider.GetRequiredService<IAligner>().CorrectAsync(new CorrectionRequest("Capital of France?", "Lyon."));
        Assert.Equal("Paris is the capital of France.", result.CorrectedAnswer);
        Assert.Equal("remote-aligner", result.ModelId);
        Assert.Equal(CorrectionPromptTemplate.V1.Render("Capital of France?", "Lyon.").Text, Assert.Single(server.Calls).Messages[0].Text);
    }

    [Fact]
    public async Task AddChatClientBackend_can_use_a_keyed_chat_client()
    {
        var services = new ServiceCollection();
        services.AddKeyedChatClient("corrector", Server("better"));
        services.AddAligner("remote").AddChatClientBackend((object)"corrector");
        using var provider = services.BuildServiceProvider();
        Assert.Equal("better", (await provider.GetRequiredKeyedService<IAligner>("remote").CorrectAsync(new("q", "a"))).CorrectedAnswer);
    }
}
