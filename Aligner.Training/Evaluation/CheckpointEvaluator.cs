using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Generation;
using Aligner.Tokenization;
using Aligner.Training.Data;
using Aligner.Training.Training;

namespace Aligner.Training.Evaluation;

/// <summary>
/// Evaluates a corrector checkpoint folder with the torch backend: greedy corrections of every row (scored by
/// <see cref="CorrectionEvaluator"/>) and the mean loss per correction token on a set of rows.
/// </summary>
public static class CheckpointEvaluator
{
    /// <summary>Loads the checkpoint, corrects every row greedily, scores the outputs and measures the loss on <paramref name="lossRows"/>.</summary>
    /// <param name="folder">The checkpoint folder.</param>
    /// <param name="name">The name of the report column.</param>
    /// <param name="rows">Rows to correct and score.</param>
    /// <param name="lossRows">Rows whose loss is reported (usually the validation split); none: no loss.</param>
    /// <param name="template">The template the corrector was trained with (v1 when null).</param>
    /// <param name="maxNewTokens">Most tokens per correction.</param>
    /// <param name="batchSize">Rows corrected together.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="ModelFormatException">The folder is not a loadable checkpoint.</exception>
    public static async Task<(CorrectionReport Report, IReadOnlyList<string> Outputs)> EvaluateAsync(
        string folder, string name, IReadOnlyList<CorrectionExample> rows, IReadOnlyList<CorrectionExample>? lossRows = null,
        CorrectionPromptTemplate? template = null, int maxNewTokens = 96, int batchSize = 16, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(rows);
        template ??= CorrectionPromptTemplate.V1;
        TorchRuntime.EnsureInitialized();
        var checkpoint = CheckpointFolder.Open(folder);
        var tokenizer = TokenizerLoader.Load(folder);
        var network = CausalLanguageModel.Load(folder);
        using var corrector = new DecoderCorrectionModel(new TorchDecoderModel(network, tokenizer, checkpoint.EosTokenIds, checkpoint.Name));
        double? loss = lossRows is { Count: > 0 }
            ? CorrectorTrainer.MeasureLoss(network, tokenizer, lossRows, template, network.Config.MaxPositionEmbeddings)
            : null;
        var options = GenerationOptions.Greedy with { MaxNewTokens = maxNewTokens };
        return await CorrectionEvaluator.EvaluateAsync(name, rows, async (batch, ct) =>
        {
            var prompts = batch.Select(r => template.Render(r.Question, r.Answer)).ToList();
            var results = await corrector.GenerateBatchAsync(prompts, options, ct).ConfigureAwait(false);
            return [.. results.Select(r => r.Text.Trim())];
        }, batchSize, loss, cancellationToken).ConfigureAwait(false);
    }
}
