using Aligner.Backends.Torch;
using Aligner.Training.WeakToStrong;
using Microsoft.Extensions.AI;

namespace Aligner.Training.Tests.WeakToStrong;

public sealed class InstructionModelChatClientTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AnswersLikeTheModelOnTheInstructionTemplateAndFeedsTheSynthesizer()
    {
        using var model = TorchCorrectionModel.Load(TinyInstructionModel.Create(_temp.File("strong")));
        var greedy = GenerationOptions.Greedy with { MaxNewTokens = 6 };
        using IChatClient client = new InstructionModelChatClient(model, greedy);

        var expected = (await InstructionAnswering.AnswerAsync(model, ["What is 2 + 2?"], greedy))[0];
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.System, "ignored"), new ChatMessage(ChatRole.User, "What is 2 + 2?")]);
        Assert.Equal(expected, response.Text);
        Assert.Equal(6, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);

        var streamed = string.Concat(await client.GetStreamingResponseAsync("What is 2 + 2?").Select(u => u.Text).ToListAsync());
        Assert.Equal(expected, streamed);

        var shorter = await client.GetResponseAsync("What is 2 + 2?", new ChatOptions { MaxOutputTokens = 2 });
        Assert.Equal(2, shorter.Usage!.OutputTokenCount);

        var summary = await new CorrectionSynthesizer(new RuleBasedAligner(), new() { Upstream = client })
            .RunAsync(SynthesisInputs.FromQuestions(["What is 2 + 2?"]), _temp.File("synthesis"));
        Assert.Equal(1, summary.Recorded + summary.SkippedInvalid);
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.System, "no user")]));
    }
}
