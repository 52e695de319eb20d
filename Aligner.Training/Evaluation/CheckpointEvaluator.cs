using Aligner.Backends.Torch;
using Aligner.Training.Data;

namespace Aligner.Training.Evaluation;

/// <summary>
/// Evaluates a corrector checkpoint folder with the torch backend (<see cref="TorchCorrectionModel.Load"/>): greedy corrections of every row (scored by
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
    /// <param name="backendOptions">How the torch backend loads the checkpoint (device, dtype, threads). Default: float32 on the CPU, so that
    /// metrics do not depend on the CPU's 16-bit features (the backend's own default, <c>auto</c>, may load 16-bit).</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="ModelFormatException">The folder is not a loadable checkpoint.</exception>
    public static async Task<(CorrectionReport Report, IReadOnlyList<string> Outputs)> EvaluateAsync(
        string folder, string name, IReadOnlyList<CorrectionExample> rows, IReadOnlyList<CorrectionExample>? lossRows = null,
        CorrectionPromptTemplate? template = null, int maxNewTokens = 96, int batchSize = 16, TorchBackendOptions? backendOptions = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(rows);
        template ??= CorrectionPromptTemplate.V1;
        TorchRuntime.EnsureInitialized();
        using var corrector = TorchCorrectionModel.Load(folder, backendOptions ?? new TorchBackendOptions { DType = TorchSharp.torch.ScalarType.Float32 });
        var network = corrector.Decoder.Network;
        double? loss = lossRows is { Count: > 0 }
            ? CorrectorTrainer.MeasureLoss(network, corrector.Decoder.Tokenizer, lossRows, template, network.Config.MaxPositionEmbeddings)
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
