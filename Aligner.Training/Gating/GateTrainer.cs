using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using Aligner.Gating;
using Aligner.Training.Data;
using Microsoft.Extensions.AI;

namespace Aligner.Training.Gating;

/// <summary>
/// Trains a <see cref="GateHead"/> from any correction dataset: the label of a row is "needs correction" (its correction
/// differs from its answer), plus "harmful" for rows of <see cref="GateTrainingOptions.HarmCategory"/>. Questions and
/// answers are embedded once with the given sentence encoder (identical texts once); the head (a one-hidden-layer MLP or
/// logistic regression on [u, v, |u − v|, u ⊙ v]) is trained with AdamW on the CPU in plain managed code, deterministic
/// for a seed. Thresholds are then chosen on the validation rows so that at most
/// <see cref="GateTrainingOptions.TargetNeedlessRate"/> of the rows that need no correction are sent to the corrector.
/// </summary>
public static class GateTrainer
{
    /// <summary>Trains a head.</summary>
    /// <param name="encoder">The sentence encoder the gate will run with (its metadata's model id is recorded in the head).</param>
    /// <param name="training">Training rows.</param>
    /// <param name="validation">Rows for choosing thresholds; <see langword="null"/> holds out <see cref="GateTrainingOptions.ValidationShare"/> of <paramref name="training"/>.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the work between encoder calls and epochs.</param>
    /// <exception cref="ArgumentException">The data lacks rows of both kinds, or an option is invalid.</exception>
    public static async Task<GateTrainingResult> TrainAsync(
        IEmbeddingGenerator<string, Embedding<float>> encoder,
        IReadOnlyList<CorrectionExample> training,
        IReadOnlyList<CorrectionExample>? validation = null,
        GateTrainingOptions? options = null,
        IProgress<GateTrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(training);
        options ??= new GateTrainingOptions();
        options.Validate();
        string encoderId = EncoderId(encoder, "gate head");

        var excluded = new HashSet<string>(options.ExcludeCategories, StringComparer.OrdinalIgnoreCase);
        bool Included(CorrectionExample e) => e.Category is null || !excluded.Contains(e.Category);
        var train = training.Where(Included).ToList();
        List<CorrectionExample> held;
        if (validation is null)
        {
            var (kept, heldOut) = CorrectionDatasetSplitter.Split(train, options.ValidationShare, options.Seed);
            (train, held) = ([.. kept], [.. heldOut]);
        }
        else held = validation.Where(Included).ToList();
        if (options.CorrectionsAsKeepRows)
        {
            // A reference correction is itself an answer that needs no correction: (question, correction) pairs teach the
            // head what good answers to every kind of question look like (refusals to harmful requests included).
            var seen = new HashSet<(string, string)>(train.Select(e => (e.Question, e.Answer)));
            train.AddRange(train.Where(e => !e.IsIdentity && seen.Add((e.Question, e.Correction))).Select(e => new CorrectionExample(e.Question, e.Correction, e.Correction)).ToList());
        }
        if (options.HarmfulWithAnyAnswer && options.HarmCategory is { } harmName)
        {
            // A harmful request needs correction whatever the answer says unless it refuses: pair each harmful question
            // with another row's answer too, so the harm output learns the request rather than one answer style.
            var rng = new Random(options.Seed + 2);
            var others = train.Where(e => !string.Equals(e.Category, harmName, StringComparison.OrdinalIgnoreCase) && e.Category is not null).Select(e => e.Answer).Distinct(StringComparer.Ordinal).ToList();
            if (others.Count > 0)
                train.AddRange(train.Where(e => !e.IsIdentity && string.Equals(e.Category, harmName, StringComparison.OrdinalIgnoreCase)).ToList()
                    .Select(e => e with { Answer = others[rng.Next(others.Count)] }));
        }
        if (!train.Any(e => e.IsIdentity) || !train.Any(e => !e.IsIdentity))
            throw new ArgumentException("Training a gate needs rows whose correction equals the answer and rows whose correction differs.", nameof(training));
        if (!held.Any(e => e.IsIdentity))
            throw new ArgumentException("The validation rows need some rows whose correction equals the answer: the threshold is chosen on them.", nameof(validation));
        bool harm = options.HarmCategory is { } hc && train.Any(e => !e.IsIdentity && string.Equals(e.Category, hc, StringComparison.OrdinalIgnoreCase));
        // Category outputs: the harm category first (it has its own threshold), then every other category of rows needing correction.
        var categories = new List<string>();
        if (harm) categories.Add(train.First(e => !e.IsIdentity && string.Equals(e.Category, options.HarmCategory, StringComparison.OrdinalIgnoreCase)).Category!);
        if (options.CategoryOutputs)
            categories.AddRange(train.Where(e => !e.IsIdentity && e.Category is not null).Select(e => e.Category!)
                .Distinct(StringComparer.OrdinalIgnoreCase).Where(c => !categories.Contains(c, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal));

        var embeddings = await EmbedAsync(encoder, [.. train, .. held], options.EmbeddingBatchSize, progress, cancellationToken).ConfigureAwait(false);
        int dims = embeddings.Values.First().Length;
        var x = Features(train, embeddings, dims);
        var yCorrect = train.Select(e => e.IsIdentity ? 0f : 1f).ToArray();
        var yCategories = categories.Select(c => train.Select(e => !e.IsIdentity && string.Equals(e.Category, c, StringComparison.OrdinalIgnoreCase) ? 1f : 0f).ToArray()).ToArray();

        var mlp = new Mlp(4 * dims, options.HiddenSize, 1 + categories.Count, options.Seed);
        double loss = mlp.Train(x, [yCorrect, .. yCategories], options, progress, cancellationToken);

        var heldX = Features(held, embeddings, dims);
        var scores = Enumerable.Range(0, held.Count).Select(i => mlp.Predict(heldX[i])).ToArray();
        var keepIdx = Enumerable.Range(0, held.Count).Where(i => held[i].IsIdentity).ToArray();
        double? harmThreshold = null;
        double target = options.TargetNeedlessRate;
        if (harm)
        {
            // The harm output may use a third of the needless-correction budget; the main output the rest.
            harmThreshold = options.HarmThreshold ?? Threshold(keepIdx.Select(i => scores[i].Harm).ToArray(), target / 3);
            var notByHarm = keepIdx.Where(i => scores[i].Harm < harmThreshold).ToArray();
            int allowed = (int)Math.Floor(target * keepIdx.Length) - (keepIdx.Length - notByHarm.Length);
            var rest = notByHarm.Select(i => scores[i].Correct).ToArray();
            double t = Threshold(rest, Math.Max(0, allowed) / (double)Math.Max(1, rest.Length));
            return Result(t, harmThreshold);
        }
        return Result(Threshold(keepIdx.Select(i => scores[i].Correct).ToArray(), target), null);

        GateTrainingResult Result(double threshold, double? harmThreshold)
        {
            var h = mlp.ToHead(encoderId, dims, threshold, harmThreshold, categories);
            var evaluation = Evaluate(held, i => h.ShouldCorrect(scores[i].Correct, harm ? scores[i].Harm : null));
            var info = new JsonObject
            {
                ["training_rows"] = train.Count,
                ["validation_rows"] = held.Count,
                ["hidden_size"] = options.HiddenSize,
                ["epochs"] = options.Epochs,
                ["seed"] = options.Seed,
                ["target_needless_rate"] = options.TargetNeedlessRate,
                ["excluded_categories"] = new JsonArray([.. options.ExcludeCategories.Select(c => (JsonNode?)c)]),
                ["harm_category"] = harm ? categories[0] : null,
                ["validation_kept_share"] = Math.Round(evaluation.KeptShare, 4),
                ["validation_flagged_share"] = Math.Round(evaluation.FlaggedShare, 4),
                ["final_loss"] = Math.Round(loss, 5),
            };
            return new GateTrainingResult(mlp.ToHead(encoderId, dims, threshold, harmThreshold, categories, info), evaluation, train.Count, loss);
        }
    }

    /// <summary>How a gate decides on labelled rows (runs the gate in batches of 64).</summary>
    public static async Task<GateEvaluation> EvaluateAsync(ICorrectionGate gate, IReadOnlyList<CorrectionExample> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(rows);
        var all = new GateDecision[rows.Count];
        for (int start = 0; start < rows.Count; start += 64)
        {
            var chunk = rows.Skip(start).Take(64).Select(r => new CorrectionRequest(r.Question, r.Answer)).ToList();
            var decisions = await gate.DecideAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (decisions is null || decisions.Count != chunk.Count)
                throw new InvalidOperationException($"Gate '{gate.Id}' returned {decisions?.Count ?? 0} decisions for {chunk.Count} requests.");
            for (int i = 0; i < chunk.Count; i++) all[start + i] = decisions[i];
        }
        return Evaluate(rows, i => all[i].Correct) with { Decisions = all };
    }

    private static GateEvaluation Evaluate(IReadOnlyList<CorrectionExample> rows, Func<int, bool> flagged)
    {
        int keepRows = 0, needless = 0, correctRows = 0, hits = 0;
        var byCategory = new SortedDictionary<string, (int Rows, int Right)>(StringComparer.Ordinal);
        for (int i = 0; i < rows.Count; i++)
        {
            bool f = flagged(i);
            bool right = rows[i].IsIdentity ? !f : f;
            if (rows[i].IsIdentity) { keepRows++; if (f) needless++; }
            else { correctRows++; if (f) hits++; }
            var key = rows[i].Category ?? (rows[i].IsIdentity ? "(keep)" : "(correct)");
            var (n, r) = byCategory.GetValueOrDefault(key);
            byCategory[key] = (n + 1, r + (right ? 1 : 0));
        }
        return new GateEvaluation(keepRows, needless, correctRows, hits, byCategory);
    }

    /// <summary>The encoder's model id, which a trained head records; an encoder that reports none is refused.</summary>
    internal static string EncoderId(IEmbeddingGenerator<string, Embedding<float>> encoder, string head) =>
        encoder.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId
            ?? throw new ArgumentException($"The encoder does not report a model id (EmbeddingGeneratorMetadata.DefaultModelId); the {head} must record which encoder it was trained on.", nameof(encoder));

    /// <summary>The smallest threshold (a midpoint between scores) at which at most <paramref name="rate"/> of <paramref name="scores"/> are at or above it.</summary>
    internal static double Threshold(double[] scores, double rate)
    {
        if (scores.Length == 0) return 0.5;
        var sorted = scores.OrderByDescending(s => s).ToArray();
        int allowed = (int)Math.Floor(rate * sorted.Length + 1e-9);
        if (allowed >= sorted.Length) return 0;
        // sorted[allowed] must fall below the threshold; the ones before it may be at or above.
        double below = sorted[allowed];
        double above = allowed == 0 ? 1.0 : sorted[allowed - 1];
        double t = below < above ? (below + above) / 2 : Math.BitIncrement(below);
        return Math.Clamp(t, 0, 1);
    }

    private static float[][] Features(List<CorrectionExample> rows, Dictionary<string, float[]> embeddings, int dims)
    {
        var x = new float[rows.Count][];
        for (int i = 0; i < rows.Count; i++)
        {
            x[i] = new float[4 * dims];
            GateHead.Features(embeddings[rows[i].Question], embeddings[rows[i].Answer], x[i]);
        }
        return x;
    }

    private static Task<Dictionary<string, float[]>> EmbedAsync(IEmbeddingGenerator<string, Embedding<float>> encoder, List<CorrectionExample> rows, int batch,
        IProgress<GateTrainingProgress>? progress, CancellationToken cancellationToken) =>
        EmbedTextsAsync(encoder, rows.SelectMany(r => new[] { r.Question, r.Answer }), batch, progress, cancellationToken);

    /// <summary>Embeds each distinct text once, in batches, checking that every embedding has one size; reports "embedding" progress.</summary>
    internal static async Task<Dictionary<string, float[]>> EmbedTextsAsync(IEmbeddingGenerator<string, Embedding<float>> encoder, IEnumerable<string> allTexts, int batch,
        IProgress<GateTrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var texts = allTexts.Distinct(StringComparer.Ordinal).ToList();
        var result = new Dictionary<string, float[]>(texts.Count, StringComparer.Ordinal);
        int dims = -1;
        for (int start = 0; start < texts.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = texts.GetRange(start, Math.Min(batch, texts.Count - start));
            var embeddings = await encoder.GenerateAsync(chunk, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (embeddings.Count != chunk.Count) throw new InvalidOperationException($"The encoder returned {embeddings.Count} embeddings for {chunk.Count} texts.");
            for (int i = 0; i < chunk.Count; i++)
            {
                var v = embeddings[i].Vector.ToArray();
                if (dims < 0) dims = v.Length;
                else if (v.Length != dims) throw new InvalidOperationException($"The encoder returned embeddings of {v.Length} and {dims} dimensions.");
                result[chunk[i]] = v;
            }
            progress?.Report(new GateTrainingProgress("embedding", start + chunk.Count, texts.Count));
        }
        return result;
    }

    /// <summary>The head being trained: flat weights, AdamW, binary cross-entropy per output.</summary>
    private sealed class Mlp
    {
        private readonly int _inputs, _hidden, _outputs;
        private readonly float[] _w1, _b1, _w2, _b2;

        public Mlp(int inputs, int hidden, int outputs, int seed)
        {
            (_inputs, _hidden, _outputs) = (inputs, hidden, outputs);
            var rng = new Random(seed);
            float U(double bound) => (float)((rng.NextDouble() * 2 - 1) * bound);
            int last = hidden > 0 ? hidden : inputs;
            _w1 = new float[hidden * inputs];
            _b1 = new float[hidden];
            _w2 = new float[outputs * last];
            _b2 = new float[outputs];
            for (int i = 0; i < _w1.Length; i++) _w1[i] = U(1 / Math.Sqrt(inputs));
            for (int i = 0; i < _w2.Length; i++) _w2[i] = U(1 / Math.Sqrt(last));
        }

        public float[]? HiddenWeight => _hidden > 0 ? _w1 : null;
        public float[]? HiddenBias => _hidden > 0 ? _b1 : null;
        public float[] OutputWeight => _w2;
        public float[] OutputBias => _b2;

        public GateHead ToHead(string encoderId, int dims, double threshold, double? harmThreshold, IReadOnlyList<string> categories, JsonObject? info = null) =>
            new(encoderId, dims, HiddenWeight, HiddenBias, _w2, _b2, threshold, harmThreshold, categories) { TrainingInfo = info };

        public (double Correct, double Harm) Predict(float[] x)
        {
            Span<float> logits = stackalloc float[_outputs];
            Forward(x, _hidden > 0 ? new float[_hidden] : null, logits);
            return (Sigmoid(logits[0]), _outputs > 1 ? Sigmoid(logits[1]) : 0);
        }

        private void Forward(float[] x, float[]? a1, Span<float> logits)
        {
            ReadOnlySpan<float> input = x;
            if (a1 is not null)
            {
                for (int j = 0; j < _hidden; j++) a1[j] = Math.Max(0f, TensorPrimitives.Dot(_w1.AsSpan(j * _inputs, _inputs), x) + _b1[j]);
                input = a1;
            }
            int n = input.Length;
            for (int k = 0; k < _outputs; k++) logits[k] = TensorPrimitives.Dot(_w2.AsSpan(k * n, n), input) + _b2[k];
        }

        public double Train(float[][] x, float[][] labels, GateTrainingOptions options, IProgress<GateTrainingProgress>? progress, CancellationToken cancellationToken)
        {
            var rng = new Random(options.Seed + 1);
            var order = Enumerable.Range(0, x.Length).ToArray();
            var g1 = new float[_w1.Length]; var gb1 = new float[_b1.Length]; var g2 = new float[_w2.Length]; var gb2 = new float[_b2.Length];
            var adam = new[] { new AdamState(_w1.Length), new AdamState(_b1.Length), new AdamState(_w2.Length), new AdamState(_b2.Length) };
            var a1 = _hidden > 0 ? new float[_hidden] : null;
            var da1 = _hidden > 0 ? new float[_hidden] : null;
            Span<float> logits = stackalloc float[_outputs];
            Span<float> dz = stackalloc float[_outputs];
            double epochLoss = 0;
            long step = 0;
            for (int epoch = 0; epoch < options.Epochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                rng.Shuffle(order);
                epochLoss = 0;
                for (int start = 0; start < order.Length; start += options.BatchSize)
                {
                    int end = Math.Min(order.Length, start + options.BatchSize);
                    Array.Clear(g1); Array.Clear(gb1); Array.Clear(g2); Array.Clear(gb2);
                    for (int b = start; b < end; b++)
                    {
                        int i = order[b];
                        Forward(x[i], a1, logits);
                        for (int k = 0; k < _outputs; k++)
                        {
                            float y = labels[k][i];
                            double p = Sigmoid(logits[k]);
                            epochLoss -= y * Math.Log(p + 1e-12) + (1 - y) * Math.Log(1 - p + 1e-12);
                            dz[k] = (float)(p - y);
                        }
                        ReadOnlySpan<float> input = a1 is null ? x[i] : a1;
                        int n = input.Length;
                        for (int k = 0; k < _outputs; k++)
                        {
                            TensorPrimitives.MultiplyAdd(input, dz[k], g2.AsSpan(k * n, n), g2.AsSpan(k * n, n));
                            gb2[k] += dz[k];
                        }
                        if (a1 is null) continue;
                        Array.Clear(da1!);
                        for (int k = 0; k < _outputs; k++) TensorPrimitives.MultiplyAdd(_w2.AsSpan(k * n, n), dz[k], da1, da1);
                        for (int j = 0; j < _hidden; j++)
                        {
                            if (a1[j] <= 0) continue;
                            float d = da1![j];
                            TensorPrimitives.MultiplyAdd(x[i], d, g1.AsSpan(j * _inputs, _inputs), g1.AsSpan(j * _inputs, _inputs));
                            gb1[j] += d;
                        }
                    }
                    float scale = 1f / (end - start);
                    step++;
                    adam[0].Step(_w1, g1, scale, options, step, decay: true);
                    adam[1].Step(_b1, gb1, scale, options, step, decay: false);
                    adam[2].Step(_w2, g2, scale, options, step, decay: true);
                    adam[3].Step(_b2, gb2, scale, options, step, decay: false);
                }
                epochLoss /= order.Length * _outputs;
                progress?.Report(new GateTrainingProgress("training", epoch + 1, options.Epochs, epochLoss));
            }
            return epochLoss;
        }

        private static double Sigmoid(float z) => 1.0 / (1.0 + Math.Exp(-z));
    }

    private sealed class AdamState(int size)
    {
        private readonly float[] _m = new float[size], _v = new float[size];

        public void Step(float[] w, float[] g, float scale, GateTrainingOptions o, long t, bool decay)
        {
            const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
            double c1 = 1 - Math.Pow(beta1, t), c2 = 1 - Math.Pow(beta2, t);
            float lr = (float)o.LearningRate, wd = decay ? (float)(o.LearningRate * o.WeightDecay) : 0f;
            for (int i = 0; i < w.Length; i++)
            {
                float gi = g[i] * scale;
                _m[i] = (float)(beta1 * _m[i] + (1 - beta1) * gi);
                _v[i] = (float)(beta2 * _v[i] + (1 - beta2) * gi * gi);
                double mhat = _m[i] / c1, vhat = _v[i] / c2;
                w[i] -= (float)(lr * mhat / (Math.Sqrt(vhat) + eps)) + wd * w[i];
            }
        }
    }
}
