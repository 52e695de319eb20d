using Aligner.Core.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Aligner.Core.Tests.ChatClients;

public class AlignerChatClientTests
{
    /// <summary>Corrects by upper-casing the answer and tagging it with the question.</summary>
    private static ResidualAligner Aligner() => new(new ScriptedCorrectionModel((q, a) => $"{a.ToUpperInvariant()} [{q}]"));

    private static ChatResponse UpstreamResponse() => new(
    [
        new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "lookup", new Dictionary<string, object?> { ["city"] = "Paris" })]) { MessageId = "m1" },
        new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", "sunny")]) { MessageId = "m2" },
        new ChatMessage(ChatRole.Assistant,
        [
            new TextReasoningContent("thinking about weather"),
            new TextContent("it is "),
            new DataContent(new byte[] { 1, 2, 3 }, "application/octet-stream"),
            new TextContent("sunny"),
        ]) { MessageId = "m3", AuthorName = "bot" },
    ])
    {
        ResponseId = "resp-1",
        ConversationId = "conv-1",
        ModelId = "upstream-model",
        FinishReason = ChatFinishReason.Stop,
        Usage = new UsageDetails { InputTokenCount = 11, OutputTokenCount = 7, TotalTokenCount = 18 },
    };

    private static List<ChatMessage> Conversation() =>
    [
        new(ChatRole.System, "be brief"),
        new(ChatRole.User, "first question"),
        new(ChatRole.Assistant, "first answer"),
        new(ChatRole.User, "weather in Paris?"),
    ];

    [Fact]
    public async Task Only_the_final_assistant_text_is_corrected_and_everything_else_is_kept()
    {
        var inner = new ScriptedChatClient((_, _) => UpstreamResponse());
        using var client = new AlignerChatClient(inner, Aligner());
        var response = await client.GetResponseAsync(Conversation());

        Assert.Equal("resp-1", response.ResponseId);
        Assert.Equal("conv-1", response.ConversationId);
        Assert.Equal("upstream-model", response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(18, response.Usage!.TotalTokenCount);
        Assert.Equal(3, response.Messages.Count);
        Assert.IsType<FunctionCallContent>(Assert.Single(response.Messages[0].Contents));
        Assert.IsType<FunctionResultContent>(Assert.Single(response.Messages[1].Contents));

        var final = response.Messages[2];
        Assert.Equal("m3", final.MessageId);
        Assert.Equal("bot", final.AuthorName);
        Assert.Equal(ChatRole.Assistant, final.Role);
        Assert.Equal("IT IS SUNNY [weather in Paris?]", final.Text);
        Assert.Collection(final.Contents,
            c => Assert.Equal("thinking about weather", Assert.IsType<TextReasoningContent>(c).Text),
            c => Assert.Equal("IT IS SUNNY [weather in Paris?]", Assert.IsType<TextContent>(c).Text),
            c => Assert.Equal(new byte[] { 1, 2, 3 }, Assert.IsType<DataContent>(c).Data.ToArray()));
        Assert.Equal(true, final.AdditionalProperties!["aligner.changed"]);
        Assert.Equal("None", final.AdditionalProperties["aligner.fallback_reason"]);
    }

    [Fact]
    public async Task The_callers_messages_and_options_are_passed_on_untouched()
    {
        var inner = new ScriptedChatClient((_, _) => UpstreamResponse());
        using var client = new AlignerChatClient(inner, Aligner());
        var options = new ChatOptions { Temperature = 0.5f, MaxOutputTokens = 99, StopSequences = ["x"], AdditionalProperties = new() { ["k"] = "v" } };
        var messages = Conversation();
        await client.GetResponseAsync(messages, options);

        var (sent, sentOptions) = Assert.Single(inner.Calls);
        Assert.Equal(messages, sent);
        Assert.Same(options, sentOptions);
        Assert.Equal(0.5f, options.Temperature);
        Assert.Equal(99, options.MaxOutputTokens);
        Assert.Equal(["x"], options.StopSequences);
        Assert.Equal("v", Assert.Single(options.AdditionalProperties!).Value);
        Assert.Equal(4, messages.Count);
    }

    [Fact]
    public async Task Without_a_user_question_or_assistant_text_the_response_passes_through()
    {
        var toolOnly = new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c", "f")]));
        using var client = new AlignerChatClient(new ScriptedChatClient((_, _) => toolOnly), Aligner());
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
        Assert.Same(toolOnly, response);
        Assert.IsType<FunctionCallContent>(Assert.Single(response.Messages[0].Contents));

        using var noQuestion = new AlignerChatClient(new ScriptedChatClient((_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "hello"))), Aligner());
        Assert.Equal("hello", (await noQuestion.GetResponseAsync([new ChatMessage(ChatRole.System, "sys")])).Text);
    }

    [Fact]
    public async Task A_custom_question_selector_can_include_history()
    {
        using var client = new AlignerChatClient(new ScriptedChatClient((_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))), Aligner())
        {
            QuestionSelector = m => string.Join(" / ", m.Where(x => x.Role == ChatRole.User).Select(x => x.Text)),
        };
        var response = await client.GetResponseAsync(Conversation());
        Assert.Equal("OK [first question / weather in Paris?]", response.Text);
    }

    private static IEnumerable<ChatResponseUpdate> UpstreamStream() =>
    [
        new(ChatRole.Assistant, [new FunctionCallContent("call-1", "lookup")]) { MessageId = "m1", ResponseId = "resp-1" },
        new(ChatRole.Tool, [new FunctionResultContent("call-1", "sunny")]) { MessageId = "m2", ResponseId = "resp-1" },
        new(ChatRole.Assistant, [new TextReasoningContent("thinking")]) { MessageId = "m3", ResponseId = "resp-1", ConversationId = "conv-1", ModelId = "upstream-model" },
        new(ChatRole.Assistant, "it is ") { MessageId = "m3", ResponseId = "resp-1", ConversationId = "conv-1", ModelId = "upstream-model" },
        new(null, "sunny") { MessageId = "m3", ResponseId = "resp-1", ConversationId = "conv-1", ModelId = "upstream-model" },
        new() { ResponseId = "resp-1", FinishReason = ChatFinishReason.Stop, Contents = [new UsageContent(new UsageDetails { TotalTokenCount = 18 })] },
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Streaming_replays_non_text_updates_and_streams_the_correction_with_the_same_ids(bool buffered)
    {
        var inner = new ScriptedChatClient((_, _) => throw new InvalidOperationException("not used"), (_, _) => UpstreamStream());
        using var client = new AlignerChatClient(inner, Aligner()) { BufferStreamedCorrection = buffered };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync(Conversation())) updates.Add(u);

        var textUpdates = updates.Where(u => u.Contents.OfType<TextContent>().Any()).ToList();
        Assert.Equal("IT IS SUNNY [weather in Paris?]", string.Concat(textUpdates.Select(u => u.Text)));
        Assert.All(textUpdates, u =>
        {
            Assert.Equal("m3", u.MessageId);
            Assert.Equal("resp-1", u.ResponseId);
            Assert.Equal("conv-1", u.ConversationId);
            Assert.Equal("upstream-model", u.ModelId);
            Assert.Equal(ChatRole.Assistant, u.Role);
        });
        if (!buffered) Assert.True(textUpdates.Count > 1, "the correction should be streamed in several updates");
        Assert.Contains(updates, u => u.Contents.OfType<FunctionCallContent>().Any());
        Assert.Contains(updates, u => u.Contents.OfType<FunctionResultContent>().Any());
        Assert.Contains(updates, u => u.Contents.OfType<TextReasoningContent>().Any());
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);

        var response = updates.ToChatResponse();
        Assert.Equal("resp-1", response.ResponseId);
        Assert.Equal(18, response.Usage!.TotalTokenCount);
        var final = response.Messages[^1];
        Assert.Equal("m3", final.MessageId);
        Assert.Equal("IT IS SUNNY [weather in Paris?]", final.Text);
        Assert.Contains(final.Contents, c => c is TextReasoningContent);
        Assert.Equal(3, response.Messages.Count);
    }

    [Fact]
    public async Task UseAligner_resolves_the_aligner_from_the_service_provider()
    {
        var services = new ServiceCollection();
        services.AddAligner().UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => "corrected: " + a));
        services.AddAligner("loud").UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => a.ToUpperInvariant() + "!"));
        var inner = new ScriptedChatClient((_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "fine")));
        services.AddChatClient(inner).UseAligner(configure: c => c.BufferStreamedCorrection = true);
        services.AddKeyedChatClient("loud-chat", inner).UseKeyedAligner("loud");
        using var provider = services.BuildServiceProvider();

        var chat = provider.GetRequiredService<IChatClient>();
        Assert.True(Assert.IsType<AlignerChatClient>(chat.GetService(typeof(AlignerChatClient))).BufferStreamedCorrection);
        Assert.Equal("corrected: fine", (await chat.GetResponseAsync("q?")).Text);
        Assert.Equal("FINE!", (await provider.GetRequiredKeyedService<IChatClient>("loud-chat").GetResponseAsync("q?")).Text);
    }

    [Fact]
    public async Task UseAligner_without_a_registered_aligner_fails_clearly_on_first_use()
    {
        var chat = new ChatClientBuilder(new ScriptedChatClient((_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "x")))).UseAligner().Build();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => chat.GetResponseAsync("q?"));
        Assert.Contains("AddAligner", e.Message);
    }

    [Fact]
    public async Task A_streamed_fallback_after_sent_text_is_flagged_as_a_reset()
    {
        var degenerate = new ScriptedCorrectionModel((q, a) => string.Concat(Enumerable.Repeat("no no no no ", 10))) { StreamChunk = 5 };
        var inner = new ScriptedChatClient((_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "original answer")) { ResponseId = "r" });
        using var client = new AlignerChatClient(inner, new ResidualAligner(degenerate));
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync("q?")) updates.Add(u);

        var text = updates.Where(u => u.Contents.OfType<TextContent>().Any()).ToList();
        int reset = text.FindIndex(u => u.AdditionalProperties?.ContainsKey(AlignerChatClient.ResetProperty) == true);
        Assert.True(reset > 0, "the replacement must be flagged");
        Assert.Equal("original answer", string.Concat(text.Skip(reset).Select(u => u.Text)));

        using var buffered = new AlignerChatClient(inner, new ResidualAligner(degenerate)) { BufferStreamedCorrection = true };
        var plain = new List<ChatResponseUpdate>();
        await foreach (var u in buffered.GetStreamingResponseAsync("q?")) plain.Add(u);
        Assert.Equal("original answer", plain.ToChatResponse().Text);
    }

    [Fact]
    public async Task Remote_corrector_behind_the_middleware_streams_end_to_end()
    {
        var corrector = new ScriptedChatClient((m, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, " ASSISTANT: A better answer.")));
        var aligner = new ResidualAligner(new ChatClientCorrectionModel(corrector), new AlignerOptions { Generation = GenerationOptions.Greedy with { MaxNewTokens = 100 } });
        var upstream = new ScriptedChatClient((_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "A bad answer.")));
        using var client = new AlignerChatClient(upstream, aligner);
        var text = new System.Text.StringBuilder();
        await foreach (var u in client.GetStreamingResponseAsync("Question?")) text.Append(u.Text);
        Assert.Equal("A better answer.", text.ToString());
        Assert.Equal(CorrectionPromptTemplate.V1.Render("Question?", "A bad answer.").Text, Assert.Single(corrector.Calls).Messages[0].Text);
    }

    [Fact]
    public async Task Json_responses_are_not_corrected()
    {
        var inner = new ScriptedChatClient((_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "{\"city\":\"Lyon\"}")));
        using var client = new AlignerChatClient(inner, Aligner());
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.Json };
        Assert.Equal("{\"city\":\"Lyon\"}", (await client.GetResponseAsync("capital?", options)).Text);
        var streamed = new System.Text.StringBuilder();
        await foreach (var u in client.GetStreamingResponseAsync("capital?", options)) streamed.Append(u.Text);
        Assert.Equal("{\"city\":\"Lyon\"}", streamed.ToString());
        Assert.Equal("{\"CITY\":\"LYON\"} [capital?]", (await client.GetResponseAsync("capital?", new ChatOptions { ResponseFormat = ChatResponseFormat.Text })).Text);
    }
}
