using Microsoft.Extensions.AI;

namespace Aligner.Training.Judging;

/// <summary>
/// A pairwise judge behind any <see cref="IChatClient"/> (a hosted model such as GPT-4, or a local one), using the
/// paper's verdict format. Each comparison is asked twice, once with the candidate as response A and once as
/// response B, and the two verdicts are combined with <see cref="PairwiseVerdicts.Combine"/>, which cancels order bias.
/// </summary>
public sealed class ChatClientPairwiseJudge : IPairwiseJudge
{
    private readonly IChatClient _chatClient;
    private readonly ChatClientPairwiseJudgeOptions _options;

    /// <summary>Creates the judge.</summary>
    /// <param name="chatClient">The judge model.</param>
    /// <param name="options">Options; defaults when null.</param>
    public ChatClientPairwiseJudge(IChatClient chatClient, ChatClientPairwiseJudgeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _chatClient = chatClient;
        _options = options ?? new ChatClientPairwiseJudgeOptions();
        if (_options.RetriesWhenUnparsable < 0)
            throw new ArgumentOutOfRangeException(nameof(options), _options.RetriesWhenUnparsable, $"{nameof(ChatClientPairwiseJudgeOptions.RetriesWhenUnparsable)} must be >= 0.");
    }

    /// <inheritdoc />
    public async Task<PairwiseJudgment> JudgeAsync(PairwiseComparison comparison, JudgingCriterion criterion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentNullException.ThrowIfNull(comparison.Question, nameof(comparison.Question));
        ArgumentNullException.ThrowIfNull(comparison.Candidate, nameof(comparison.Candidate));
        ArgumentNullException.ThrowIfNull(comparison.Baseline, nameof(comparison.Baseline));
        var orders = new List<OrderedJudgment> { await JudgeOrderAsync(comparison, criterion, candidateFirst: true, cancellationToken).ConfigureAwait(false) };
        if (_options.SwapPositions)
            orders.Add(await JudgeOrderAsync(comparison, criterion, candidateFirst: false, cancellationToken).ConfigureAwait(false));
        return new PairwiseJudgment(comparison, criterion, PairwiseVerdicts.Combine(orders.Select(o => o.Verdict)), orders);
    }

    private async Task<OrderedJudgment> JudgeOrderAsync(PairwiseComparison comparison, JudgingCriterion criterion, bool candidateFirst, CancellationToken cancellationToken)
    {
        var (a, b) = candidateFirst ? (comparison.Candidate, comparison.Baseline) : (comparison.Baseline, comparison.Candidate);
        var messages = PairwiseJudgePrompts.Messages(criterion, comparison.Question, a, b);
        string reply = "";
        var choice = JudgeChoice.Unparsable;
        for (int attempt = 0; attempt <= _options.RetriesWhenUnparsable && choice == JudgeChoice.Unparsable; attempt++)
        {
            var response = await _chatClient.GetResponseAsync(messages, _options.ChatOptions.Clone(), cancellationToken).ConfigureAwait(false);
            reply = response.Text;
            choice = JudgeVerdictParser.Parse(reply, criterion);
        }
        return new OrderedJudgment(candidateFirst, choice, PairwiseVerdicts.FromChoice(choice, candidateFirst, criterion), reply);
    }
}
