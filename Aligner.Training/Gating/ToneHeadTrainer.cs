using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using Aligner.Gating;
using Aligner.Training.Data;
using Microsoft.Extensions.AI;

namespace Aligner.Training.Gating;

/// <summary>How <see cref="ToneHeadTrainer"/> trains a tone head.</summary>
public sealed record ToneTrainingOptions
{
    /// <summary>Rows of these categories (case-insensitive) whose correction differs from the answer are the rude examples; every other row is civil. Default <c>unhelpful</c>, <c>rude</c>.</summary>
    public IReadOnlyList<string> RudeCategories { get; init; } = ["unhelpful", "rude"];
    /// <summary>The gate category a rude answer is flagged with (selects the corrector's instruction). Default <c>unhelpful</c>.</summary>
    public string Category { get; init; } = "unhelpful";
    /// <summary>Share of the civil validation answers the head may mark as rude; the threshold is chosen for it. Default 0.003.</summary>
    public double TargetFalseRate { get; init; } = 0.003;
    /// <summary>How much each extra row (e.g. a hand-written set) weighs against one training row. Default 10.</summary>
    public double ExtraWeight { get; init; } = 10;
    /// <summary>Full-batch gradient steps. Default 300.</summary>
    public int Epochs { get; init; } = 300;
    /// <summary>Step size on standardised embeddings. Default 0.1.</summary>
    public double LearningRate { get; init; } = 0.1;
    /// <summary>L2 penalty on the weights. Default 1e-3.</summary>
    public double L2 { get; init; } = 1e-3;
    /// <summary>Share of the training rows held out for choosing the threshold when no validation set is given. Default 0.1.</summary>
    public double ValidationShare { get; init; } = 0.1;
    /// <summary>Seed of the held-out split. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (RudeCategories is null || RudeCategories.Count == 0 || RudeCategories.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException($"{nameof(RudeCategories)} must name at least one category.", nameof(RudeCategories));
        if (string.IsNullOrWhiteSpace(Category)) throw new ArgumentException($"{nameof(Category)} must not be blank.", nameof(Category));
        if (!(TargetFalseRate > 0 && TargetFalseRate < 1)) throw new ArgumentException($"{nameof(TargetFalseRate)} must be in (0, 1) (was {TargetFalseRate}).", nameof(TargetFalseRate));
        if (!(ExtraWeight > 0) || double.IsInfinity(ExtraWeight)) throw new ArgumentException($"{nameof(ExtraWeight)} must be a positive number (was {ExtraWeight}).", nameof(ExtraWeight));
        if (Epochs < 1) throw new ArgumentException($"{nameof(Epochs)} must be >= 1 (was {Epochs}).", nameof(Epochs));
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"{nameof(LearningRate)} must be a positive number (was {LearningRate}).", nameof(LearningRate));
        if (!(L2 >= 0) || double.IsInfinity(L2)) throw new ArgumentException($"{nameof(L2)} must be >= 0 (was {L2}).", nameof(L2));
        if (!(ValidationShare > 0 && ValidationShare < 1)) throw new ArgumentException($"{nameof(ValidationShare)} must be in (0, 1) (was {ValidationShare}).", nameof(ValidationShare));
    }
}

/// <summary>The outcome of <see cref="ToneHeadTrainer.TrainAsync"/>.</summary>
/// <param name="Head">The trained head with its threshold.</param>
/// <param name="TrainingRows">Rows trained on (extra rows included).</param>
/// <param name="ValidationCivil">Civil answers among the validation rows.</param>
/// <param name="ValidationFalseRate">Share of them the head marks as rude at the threshold.</param>
/// <param name="ValidationRude">Rude answers among the validation rows.</param>
/// <param name="ValidationRecall">Share of them the head marks as rude.</param>
public sealed record ToneTrainingResult(ToneHead Head, int TrainingRows, int ValidationCivil, double ValidationFalseRate, int ValidationRude, double ValidationRecall);

/// <summary>
/// Trains a <see cref="ToneHead"/>: a logistic regression on the sentence embedding of each answer, labelled rude for
/// rows of <see cref="ToneTrainingOptions.RudeCategories"/> that need correction and civil for every other row (good
/// answers, wrong facts and harmful compliance are all civil in tone). Embeddings are standardised for training and the
/// standardisation folded into the saved weights; classes are balanced; full-batch gradient descent, deterministic.
/// The threshold is chosen on the validation rows for <see cref="ToneTrainingOptions.TargetFalseRate"/>.
/// </summary>
public static class ToneHeadTrainer
{
    /// <summary>Trains a head.</summary>
    /// <param name="encoder">The sentence encoder of the gate the head will join (its model id is recorded).</param>
    /// <param name="training">Training rows (e.g. a generated correction dataset).</param>
    /// <param name="extra">More rows weighted by <see cref="ToneTrainingOptions.ExtraWeight"/> (e.g. hand-written rude and civil answers); may be empty. Never held out.</param>
    /// <param name="validation">Rows for choosing the threshold; <see langword="null"/> holds out a share of <paramref name="training"/>.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress (embedding and training stages); may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the work between encoder calls and epochs.</param>
    /// <exception cref="ArgumentException">The data lacks rude or civil answers, or an option is invalid.</exception>
    public static async Task<ToneTrainingResult> TrainAsync(
        IEmbeddingGenerator<string, Embedding<float>> encoder,
        IReadOnlyList<CorrectionExample> training,
        IReadOnlyList<CorrectionExample>? extra = null,
        IReadOnlyList<CorrectionExample>? validation = null,
        ToneTrainingOptions? options = null,
        IProgress<GateTrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(training);
        options ??= new ToneTrainingOptions();
        options.Validate();
        extra ??= [];
        string encoderId = GateTrainer.EncoderId(encoder, "tone head");
        var rude = new HashSet<string>(options.RudeCategories, StringComparer.OrdinalIgnoreCase);
        bool IsRude(CorrectionExample e) => !e.IsIdentity && e.Category is not null && rude.Contains(e.Category);

        List<CorrectionExample> train, held;
        if (validation is null)
        {
            var (kept, heldOut) = CorrectionDatasetSplitter.Split(training, options.ValidationShare, options.Seed);
            (train, held) = ([.. kept], [.. heldOut]);
        }
        else (train, held) = ([.. training], [.. validation]);
        var all = train.Select(e => (Row: e, Weight: 1.0)).Concat(extra.Select(e => (Row: e, Weight: options.ExtraWeight))).ToList();
        if (!all.Any(x => IsRude(x.Row)) || !all.Any(x => !IsRude(x.Row)))
            throw new ArgumentException($"Training a tone head needs rude answers (rows of category {string.Join(" or ", options.RudeCategories)} whose correction differs) and civil ones.", nameof(training));
        if (!held.Any(e => !IsRude(e)))
            throw new ArgumentException("The validation rows need civil answers: the threshold is chosen on them.", nameof(validation));

        var embedded = await GateTrainer.EmbedTextsAsync(encoder, all.Select(x => x.Row.Answer).Concat(held.Select(e => e.Answer)), 64, progress, cancellationToken).ConfigureAwait(false);
        int dims = embedded.Values.First().Length;

        // Standardise by the training rows' mean and spread.
        var mean = new double[dims];
        var spread = new double[dims];
        foreach (var (row, _) in all) { var v = embedded[row.Answer]; for (int k = 0; k < dims; k++) mean[k] += v[k]; }
        for (int k = 0; k < dims; k++) mean[k] /= all.Count;
        foreach (var (row, _) in all) { var v = embedded[row.Answer]; for (int k = 0; k < dims; k++) spread[k] += (v[k] - mean[k]) * (v[k] - mean[k]); }
        for (int k = 0; k < dims; k++) spread[k] = Math.Sqrt(spread[k] / all.Count) + 1e-6;
        float[] Standard(float[] v) { var x = new float[dims]; for (int k = 0; k < dims; k++) x[k] = (float)((v[k] - mean[k]) / spread[k]); return x; }
        var xs = all.Select(x => Standard(embedded[x.Row.Answer])).ToArray();
        var ys = all.Select(x => IsRude(x.Row) ? 1.0 : 0.0).ToArray();
        double rudeWeight = all.Where(x => IsRude(x.Row)).Sum(x => x.Weight), civilWeight = all.Where(x => !IsRude(x.Row)).Sum(x => x.Weight);
        var weights = all.Select(x => x.Weight * (IsRude(x.Row) ? civilWeight / rudeWeight : 1.0)).ToArray();
        double total = weights.Sum();

        var w = new float[dims];
        double bias = 0;
        var gradient = new float[dims];
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Array.Clear(gradient);
            double gradientBias = 0, loss = 0;
            for (int i = 0; i < xs.Length; i++)
            {
                double p = 1 / (1 + Math.Exp(-(TensorPrimitives.Dot(w, xs[i]) + bias)));
                double d = (p - ys[i]) * weights[i];
                TensorPrimitives.MultiplyAdd(xs[i], (float)d, gradient, gradient);
                gradientBias += d;
                loss -= weights[i] * (ys[i] > 0 ? Math.Log(Math.Max(p, 1e-12)) : Math.Log(Math.Max(1 - p, 1e-12)));
            }
            for (int k = 0; k < dims; k++) w[k] -= (float)(options.LearningRate * (gradient[k] / total + options.L2 * w[k]));
            bias -= options.LearningRate * gradientBias / total;
            if (epoch % 50 == 0 || epoch == options.Epochs) progress?.Report(new GateTrainingProgress("training", epoch, options.Epochs, loss / total));
        }

        // Fold the standardisation into the weights: w·(v − μ)/σ + b = (w/σ)·v + (b − Σ wμ/σ).
        var folded = new float[dims];
        double foldedBias = bias;
        for (int k = 0; k < dims; k++) { folded[k] = (float)(w[k] / spread[k]); foldedBias -= w[k] * mean[k] / spread[k]; }
        var probe = new ToneHead(encoderId, folded, (float)foldedBias, 0.5, options.Category);
        var civilScores = held.Where(e => !IsRude(e)).Select(e => probe.Score(embedded[e.Answer])).ToArray();
        var rudeScores = held.Where(IsRude).Select(e => probe.Score(embedded[e.Answer])).ToArray();
        double threshold = GateTrainer.Threshold(civilScores, options.TargetFalseRate);
        double falseRate = civilScores.Count(s => s >= threshold) / (double)civilScores.Length;
        double recall = rudeScores.Length == 0 ? double.NaN : rudeScores.Count(s => s >= threshold) / (double)rudeScores.Length;
        var info = new JsonObject
        {
            ["training_rows"] = train.Count,
            ["extra_rows"] = extra.Count,
            ["extra_weight"] = options.ExtraWeight,
            ["rude_categories"] = new JsonArray([.. options.RudeCategories.Select(c => (JsonNode?)c)]),
            ["epochs"] = options.Epochs,
            ["l2"] = options.L2,
            ["target_false_rate"] = options.TargetFalseRate,
            ["validation_civil"] = civilScores.Length,
            ["validation_false_rate"] = Math.Round(falseRate, 4),
            ["validation_rude"] = rudeScores.Length,
            ["validation_recall"] = double.IsNaN(recall) ? null : Math.Round(recall, 4),
        };
        var head = new ToneHead(encoderId, folded, (float)foldedBias, threshold, options.Category) { TrainingInfo = info };
        return new ToneTrainingResult(head, all.Count, civilScores.Length, falseRate, rudeScores.Length, recall);
    }
}
