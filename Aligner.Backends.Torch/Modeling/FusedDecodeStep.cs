using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// One decode step of a single sequence (batch 1) on the CPU, run in managed code over the model's own weight and KV-cache
/// memory: embedding row, norms, packed q/k/v, rotary, cache write, attention, o_proj, gated MLP and head, with the
/// projections through <see cref="RowLinear"/>'s kernel. It replaces about 45 TorchSharp calls per layer (each a few
/// microseconds of managed-to-native overhead and a dispose-scope entry) by none, which is most of a small model's step.
/// </summary>
/// <remarks>
/// Activations and the residual stream stay float32 throughout (the libtorch path rounds a bfloat16 model's activations
/// to bfloat16 after each op, so bfloat16 logits differ within bfloat16 rounding); keys and values are stored in the
/// cache's dtype. Architectures: every family of the table (Llama, Mistral's sliding window, Qwen2's biases, Gemma's unit
/// norm offset, embedding scale and tanh-GELU, Gemma 2's soft-caps, sandwich norms and alternating windows); a model it
/// cannot run (exact GELU, adapters, CUDA, 16-bit float) is left to the libtorch path (<see cref="TryCreate"/> returns
/// <see langword="null"/>). Built per session: it holds pointers into the model's tensors, which the model owns.
/// </remarks>
internal sealed class FusedDecodeStep
{
    /// <summary>
    /// Whether sessions created on this thread use it (tests turn it off to compare with the libtorch path). Per thread:
    /// a test turning it off must not change the sessions of tests running at the same time on other threads.
    /// </summary>
    internal static bool Enabled { get => !t_disabled; set => t_disabled = !value; }

    [ThreadStatic] private static bool t_disabled;

    /// <summary>Whether the thread count follows the steps' timings (<see cref="ThreadChooser"/>); off: always all threads.</summary>
    internal static bool AdaptiveThreads { get; set; } = true;

    private readonly CausalLanguageModel _model;
    private readonly KeyValueCache _cache;
    private readonly Layer[] _layers;
    private readonly float[] _finalNorm;
    private readonly RowLinear.Weights _head;
    private readonly nint _embedding;
    private readonly bool _bf16;
    private readonly int _hidden, _heads, _kvHeads, _headDim, _intermediate, _vocab;
    private readonly float _eps;
    private readonly float? _embeddingScale, _finalSoftcap;
    private readonly HiddenActivation _activation;
    private readonly double[] _inverseFrequencies;
    private readonly ThreadChooser _chooser;
    // The step's working memory, for the session's life (a session steps on one thread at a time).
    private readonly float[] _h, _normed, _qkv, _attended, _projected, _gateUp, _scores, _cos, _sin, _logits;

    private sealed record Layer(
        float[] InputNorm, float[] PostAttentionNorm, float[]? PreFeedforwardNorm, float[]? PostFeedforwardNorm,
        Parts Qkv, RowLinear.Weights Output, float[]? OutputBias, Parts GateUp, RowLinear.Weights Down, float[]? DownBias,
        float Scale, float? Softcap, int? Window, nint Cache);

    /// <summary>
    /// Projections of the same input whose outputs go side by side: one packed matrix (the usual case), or, for weights
    /// mapped from a checkpoint where they are not adjacent (<see cref="PackedProjections.Separate"/>), one matrix per part.
    /// </summary>
    private sealed record Parts(RowLinear.Weights[] Weights, float[]?[] Biases)
    {
        // Per-part outputs when separate (a step runs on one thread at a time, so one set per session suffices).
        private readonly float[][] _outputs = Weights.Length == 1 ? [] : [.. Weights.Select(w => new float[w.OutFeatures])];

        public void Multiply(float[] input, float[] output)
        {
            if (Weights.Length == 1)
            {
                RowLinear.Multiply(Weights[0], input, 1, Biases[0], output);
                return;
            }
            int offset = 0;
            for (int i = 0; i < Weights.Length; i++)
            {
                RowLinear.Multiply(Weights[i], input, 1, Biases[i], _outputs[i]);
                _outputs[i].CopyTo(output, offset);
                offset += _outputs[i].Length;
            }
        }
    }

    private FusedDecodeStep(CausalLanguageModel model, KeyValueCache cache, Layer[] layers, float[] finalNorm, RowLinear.Weights head)
    {
        var c = model.Config;
        _model = model;
        _cache = cache;
        _layers = layers;
        _finalNorm = finalNorm;
        _head = head;
        _bf16 = model.DType == ScalarType.BFloat16;
        _embedding = Address(model.Model.EmbedTokens.Weight);
        _hidden = c.HiddenSize;
        _heads = c.NumAttentionHeads;
        _kvHeads = c.NumKeyValueHeads;
        _headDim = c.HeadDim;
        _intermediate = c.IntermediateSize;
        _vocab = c.VocabSize;
        _eps = (float)model.Model.Norm.Eps;
        _embeddingScale = model.EmbeddingMultiplier is { } m ? (float)m : null;
        _finalSoftcap = c.FinalLogitSoftcapping is { } f ? (float)f : null;
        _activation = c.HiddenActivation;
        _inverseFrequencies = model.Rotary.InverseFrequencies.ToArray();
        _h = new float[_hidden];
        _normed = new float[Math.Max(_hidden, _heads * _headDim)];
        _qkv = new float[(_heads + 2 * _kvHeads) * _headDim];
        _attended = new float[_heads * _headDim];
        _projected = new float[_hidden];
        _gateUp = new float[2 * _intermediate];
        _scores = new float[cache.Capacity];
        _cos = new float[_headDim];
        _sin = new float[_headDim];
        _logits = new float[head.OutFeatures];
        _chooser = new ThreadChooser(layers.Length);
    }

    /// <summary>The fused step for a batch-1 session over <paramref name="cache"/>, or <see langword="null"/> where only the libtorch path applies.</summary>
    public static FusedDecodeStep? TryCreate(CausalLanguageModel model, KeyValueCache cache, int batch)
    {
        if (!Enabled || batch != 1 || model.Device.type != DeviceType.CPU || model.DType is not (ScalarType.Float32 or ScalarType.BFloat16)) return null;
        var c = model.Config;
        if (c.HiddenActivation is not (HiddenActivation.Silu or HiddenActivation.GeluTanh)) return null;
        var layers = new Layer[c.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            var layer = model.Model.Layers[i];
            var attention = layer.SelfAttention;
            var mlp = layer.Mlp;
            if (attention.OProj is not Projection output || mlp.DownProj is not Projection down) return null;
            var qkv = attention.RunsPacked ? Packed(attention.Qkv)
                : attention.RunsSeparated ? Separate((Projection)attention.QProj, (Projection)attention.KProj, (Projection)attention.VProj) : null;
            var gateUp = mlp.RunsPacked ? Packed(mlp.GateUp) : mlp.RunsSeparated ? Separate((Projection)mlp.GateProj, (Projection)mlp.UpProj) : null;
            if (qkv is null || gateUp is null || Weights(output.Int8, output.Weight) is not { } o || Weights(down.Int8, down.Weight) is not { } d) return null;
            layers[i] = new Layer(
                Norm(layer.InputLayerNorm), Norm(layer.PostAttentionLayerNorm),
                layer.PreFeedforwardLayerNorm is { } pre ? Norm(pre) : null, layer.PostFeedforwardLayerNorm is { } post ? Norm(post) : null,
                qkv, o, Floats(output.Bias), gateUp, d, Floats(down.Bias),
                (float)attention.Scale, attention.Softcap is { } cap ? (float)cap : null, layer.SlidingWindow, Address(cache.Buffer(i)));
        }
        var embedding = model.Model.EmbedTokens.Weight;
        var head = model.LmHead is { } lmHead ? Weights(lmHead.Int8, lmHead.Weight) : Weights(model.TiedHeadInt8, embedding);
        if (head is null || !Usable(embedding)) return null;
        return new FusedDecodeStep(model, cache, layers, Norm(model.Model.Norm), head.Value);
    }

    /// <summary>
    /// Runs the token at cache position <paramref name="cachePosition"/> (rotary position <paramref name="position"/>):
    /// writes its keys and values, attends to the positions <paramref name="keyValid"/> marks (a bool tensor
    /// <c>[1, capacity]</c> whose entry for this position is set), and writes the logits.
    /// </summary>
    public void Step(int token, long position, int cachePosition, Tensor keyValid, Span<float> logits, CancellationToken cancellationToken)
    {
        _chooser.BeginStep(RowLinear.Threads, AdaptiveThreads);
        using (RowLinear.LimitThreads(_chooser.Choice(RowLinear.Threads)))
            Run(token, position, cachePosition, keyValid, logits, cancellationToken);
        _chooser.EndStep();
    }

    /// <summary>
    /// Chooses the kernel's thread count from the layers' own timings. On an idle machine all threads are fastest; when
    /// another process keeps the cores busy, threads that meet at a barrier after every matrix product wait each time the
    /// scheduler parks one of them, and one thread is several times faster (measured on 2 cores under a 2-thread
    /// co-tenant: 6.4 against 42 tok/s for bf16). Every layer does the same work, so a probe costs a few layers, not
    /// whole steps: the first step and every <see cref="Period"/>th one run their first <see cref="ProbeLayers"/> layers
    /// alternately on one thread and on all; the other layers and steps use one thread only when its best layer was
    /// clearly faster (by a quarter), so that an idle machine's noisy layers do not flip the choice. Results do not depend
    /// on the choice: each output row is computed by one thread in the same order either way.
    /// </summary>
    internal sealed class ThreadChooser(int layers)
    {
        /// <summary>Steps from one probe to the next.</summary>
        public const int Period = 16;

        /// <summary>Layers a probe step times, alternately one thread and all (fewer in shallower models).</summary>
        public const int ProbeLayers = 6;

        private const double Margin = 0.75;
        private readonly int _probeLayers = Math.Min(ProbeLayers, layers - layers % 2);
        private int _step, _available = 1;
        private bool _probing, _one;
        private long _bestAll, _bestOne;

        /// <summary>
        /// Starts a step with <paramref name="available"/> threads; when <paramref name="adapt"/>, every <see cref="Period"/>th
        /// step (the first included) probes; when not, every layer uses all threads.
        /// </summary>
        public void BeginStep(int available, bool adapt = true)
        {
            _available = available;
            if (!adapt) _one = false;
            _probing = adapt && available > 1 && _probeLayers >= 2 && _step++ % Period == 0;
            if (_probing) _bestAll = _bestOne = long.MaxValue;
        }

        /// <summary>The thread count of the step's non-probed work.</summary>
        public int Choice(int available) => available <= 1 || _one ? 1 : available;

        /// <summary>The thread count for <paramref name="layer"/>: during a probe, one thread for even layers and all for odd ones.</summary>
        public int ThreadsFor(int layer) =>
            _probing && layer < _probeLayers ? (layer % 2 == 0 ? 1 : _available) : Choice(_available);

        /// <summary>Records how long <paramref name="layer"/> took (probed layers only count).</summary>
        public void RecordLayer(int layer, long ticks)
        {
            if (!_probing || layer >= _probeLayers) return;
            if (layer % 2 == 0) _bestOne = Math.Min(_bestOne, ticks);
            else _bestAll = Math.Min(_bestAll, ticks);
        }

        /// <summary>Ends a step: after a probe, one thread is chosen only when its best layer beat all threads' by the margin.</summary>
        public void EndStep()
        {
            if (_probing && _bestOne != long.MaxValue && _bestAll != long.MaxValue) _one = _bestOne < Margin * _bestAll;
            _probing = false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run(int token, long position, int cachePosition, Tensor keyValid, Span<float> logits, CancellationToken cancellationToken)
    {
        int kvWidth = _kvHeads * _headDim;
        float[] h = _h, normed = _normed, qkv = _qkv, attended = _attended, projected = _projected, gateUp = _gateUp;
        Embed(token, h);
        Rotary(position, _cos, _sin);
        var valid = keyValid.bytes;
        for (int index = 0; index < _layers.Length; index++)
        {
            var layer = _layers[index];
            cancellationToken.ThrowIfCancellationRequested();
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var limit = RowLinear.LimitThreads(_chooser.ThreadsFor(index));
            // Attention.
            RmsNorm(h, layer.InputNorm, normed);
            layer.Qkv.Multiply(normed, qkv);
            for (int head = 0; head < _heads + _kvHeads; head++) Rotate(qkv.AsSpan(head * _headDim, _headDim), _cos, _sin);
            WriteCache(layer.Cache, cachePosition, qkv.AsSpan(_heads * _headDim, 2 * kvWidth));
            Attend(layer, qkv, cachePosition, valid, _scores, attended);
            RowLinear.Multiply(layer.Output, attended, 1, layer.OutputBias, projected);
            if (layer.PreFeedforwardNorm is { } preNorm && layer.PostFeedforwardNorm is { } postNorm)
            {
                // Gemma 2's sandwich: norms after attention and around the MLP.
                RmsNorm(projected, layer.PostAttentionNorm, normed);
                TensorPrimitives.Add(h, normed.AsSpan(0, _hidden), h);
                RmsNorm(h, preNorm, normed);
                Mlp(layer, normed, gateUp, projected);
                RmsNorm(projected, postNorm, normed);
                TensorPrimitives.Add(h, normed.AsSpan(0, _hidden), h);
            }
            else
            {
                TensorPrimitives.Add(h, projected, h);
                RmsNorm(h, layer.PostAttentionNorm, normed);
                Mlp(layer, normed, gateUp, projected);
                TensorPrimitives.Add(h, projected, h);
            }
            _chooser.RecordLayer(index, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        }
        RmsNorm(h, _finalNorm, normed);
        RowLinear.Multiply(_head, normed, 1, null, _logits);
        var result = _logits.AsSpan(0, _vocab);
        if (_finalSoftcap is { } cap)
            for (int i = 0; i < result.Length; i++) result[i] = MathF.Tanh(result[i] / cap) * cap;
        result.CopyTo(logits);
        GC.KeepAlive(_model);
        GC.KeepAlive(_cache);
    }

    private unsafe void Embed(int token, float[] h)
    {
        if (_bf16) RowLinear.Widen(new ReadOnlySpan<ushort>((ushort*)_embedding + (long)token * _hidden, _hidden), h.AsSpan(0, _hidden));
        else new ReadOnlySpan<float>((float*)_embedding + (long)token * _hidden, _hidden).CopyTo(h);
        if (_embeddingScale is { } scale) TensorPrimitives.Multiply(h.AsSpan(0, _hidden), scale, h.AsSpan(0, _hidden));
    }

    /// <summary>cos and signed sin of <paramref name="position"/> (<c>[-sin, sin]</c> halves), as <see cref="RotaryEmbedding.Compute"/> in float64.</summary>
    private void Rotary(long position, float[] cos, float[] sin)
    {
        int half = _headDim / 2;
        for (int i = 0; i < half; i++)
        {
            double angle = position * _inverseFrequencies[i];
            cos[i] = cos[i + half] = (float)Math.Cos(angle);
            float s = (float)Math.Sin(angle);
            sin[i] = -s;
            sin[i + half] = s;
        }
    }

    /// <summary>x·cos + rotate_half(x)·sin, where rotate_half swaps the halves (the signs are in the signed sin).</summary>
    private void Rotate(Span<float> x, float[] cos, float[] sin)
    {
        int half = _headDim / 2;
        for (int i = 0; i < half; i++)
        {
            float a = x[i], b = x[i + half];
            x[i] = a * cos[i] + b * sin[i];
            x[i + half] = b * cos[i + half] + a * sin[i + half];
        }
    }

    private unsafe void WriteCache(nint buffer, int cachePosition, ReadOnlySpan<float> keysAndValues)
    {
        int width = keysAndValues.Length;
        if (_bf16) RowLinear.Narrow(keysAndValues, new Span<ushort>((ushort*)buffer + (long)cachePosition * width, width));
        else keysAndValues.CopyTo(new Span<float>((float*)buffer + (long)cachePosition * width, width));
    }

    // Scaled dot-product attention of each query head over the cache positions 0..cachePosition that are valid (and, for a
    // sliding-window layer, within the window); query head h reads key/value head h / (heads / kv_heads).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Attend(Layer layer, float[] qkv, int cachePosition, ReadOnlySpan<byte> valid, float[] scores, float[] attended)
    {
        int kvWidth = _kvHeads * _headDim, rowWidth = 2 * kvWidth, group = _heads / _kvHeads;
        int first = layer.Window is { } w ? Math.Max(0, cachePosition - w + 1) : 0;
        for (int head = 0; head < _heads; head++)
        {
            var q = qkv.AsSpan(head * _headDim, _headDim);
            int keyOffset = head / group * _headDim, valueOffset = kvWidth + keyOffset;
            float max = float.NegativeInfinity;
            for (int j = first; j <= cachePosition; j++)
            {
                if (valid[j] == 0) { scores[j] = float.NegativeInfinity; continue; }
                float s = (_bf16
                    ? RowLinear.DotBf16(new ReadOnlySpan<ushort>((ushort*)layer.Cache + (long)j * rowWidth + keyOffset, _headDim), q)
                    : TensorPrimitives.Dot(new ReadOnlySpan<float>((float*)layer.Cache + (long)j * rowWidth + keyOffset, _headDim), q)) * layer.Scale;
                if (layer.Softcap is { } cap) s = MathF.Tanh(s / cap) * cap;
                scores[j] = s;
                if (s > max) max = s;
            }
            float sum = 0;
            for (int j = first; j <= cachePosition; j++)
            {
                float e = valid[j] == 0 ? 0 : MathF.Exp(scores[j] - max);
                scores[j] = e;
                sum += e;
            }
            var output = attended.AsSpan(head * _headDim, _headDim);
            output.Clear();
            for (int j = first; j <= cachePosition; j++)
            {
                float p = scores[j] / sum;
                if (p == 0) continue;
                if (_bf16)
                {
                    var v = new ReadOnlySpan<ushort>((ushort*)layer.Cache + (long)j * rowWidth + valueOffset, _headDim);
                    for (int i = 0; i < _headDim; i++) output[i] += p * BitConverter.UInt32BitsToSingle((uint)v[i] << 16);
                }
                else TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)layer.Cache + (long)j * rowWidth + valueOffset, _headDim), p, output, output);
            }
        }
    }

    private void Mlp(Layer layer, float[] input, float[] gateUp, float[] output)
    {
        layer.GateUp.Multiply(input, gateUp);
        var gate = gateUp.AsSpan(0, _intermediate);
        var up = gateUp.AsSpan(_intermediate, _intermediate);
        if (_activation == HiddenActivation.Silu)
            for (int i = 0; i < gate.Length; i++) gate[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
        else
            for (int i = 0; i < gate.Length; i++)
            {
                float x = gate[i];
                gate[i] = 0.5f * x * (1f + MathF.Tanh(0.7978845608f * (x + 0.044715f * x * x * x))) * up[i];
            }
        RowLinear.Multiply(layer.Down, gateUp, 1, layer.DownBias, output);
    }

    private void RmsNorm(float[] x, float[] weight, float[] output)
    {
        var input = x.AsSpan(0, _hidden);
        float meanSquare = TensorPrimitives.Dot(input, input) / _hidden;
        float scale = 1f / MathF.Sqrt(meanSquare + _eps);
        for (int i = 0; i < input.Length; i++) output[i] = input[i] * scale * weight[i];
    }

    /// <summary>A norm's effective weight as float32 (Gemma's <c>1 + w</c> included).</summary>
    private static float[] Norm(RmsNorm norm)
    {
        var w = Floats(norm.Weight)!;
        if (norm.UnitOffset) for (int i = 0; i < w.Length; i++) w[i] += 1f;
        return w;
    }

    private static float[]? Floats(Tensor? t)
    {
        if (t is null) return null;
        using var f = t.detach().to(ScalarType.Float32, CPU).contiguous();
        return MemoryMarshal.Cast<byte, float>(f.bytes).ToArray();
    }

    private static Parts? Packed(PackedProjections packed) =>
        Weights(packed.Int8, packed.Weight) is { } w ? new Parts([w], [Floats(packed.Bias)]) : null;

    private static Parts? Separate(params Projection[] parts)
    {
        var weights = new RowLinear.Weights[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (Weights(parts[i].Int8, parts[i].Weight) is not { } w) return null;
            weights[i] = w;
        }
        return new Parts(weights, [.. parts.Select(p => Floats(p.Bias))]);
    }

    /// <summary>A projection's int8 weight when it has one, else its float weight where the kernel can read it in place.</summary>
    private static RowLinear.Weights? Weights(Int8Weight? int8, Tensor weight) =>
        int8 is not null ? RowLinear.Weights.Of(int8) : Usable(weight) ? RowLinear.Weights.Of(weight) : null;

    private static bool Usable(Tensor t) =>
        t.device_type == DeviceType.CPU && t.dim() == 2 && t.is_contiguous() && t.numel() > 0 && (t.dtype is ScalarType.Float32 or ScalarType.BFloat16)
        && t.numel() * t.element_size() <= int.MaxValue;

    private static unsafe nint Address(Tensor t) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
}
