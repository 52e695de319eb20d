using System.Numerics;
using System.Runtime.InteropServices;
using Aligner.Backends.Torch;
using Aligner.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Training;

/// <summary>
/// AdamW (decoupled weight decay, PyTorch's formulation) whose full state (step count, first and second moments)
/// can be saved to and restored from a safetensors file, so a resumed run takes bit-identical steps.
/// Weight decay applies to matrices only (not to norm scales or biases), as usual for transformers.
/// </summary>
/// <remarks>
/// <see cref="Step(double, double)"/> clips and steps in one fused pass when every parameter, gradient and moment is a
/// contiguous CPU float32 tensor (the CPU trainer's case): two passes over the gradients (their norm, then the update of
/// parameter and moments element by element) instead of about twelve tensor operations per parameter, each a pass
/// over memory. Elsewhere (CUDA, other types) it uses libtorch's operations. Both follow PyTorch's formulas; they
/// differ by float rounding (libtorch fuses some multiply-adds), and a run uses one of them throughout, so a resumed
/// run still takes bit-identical steps.
/// </remarks>
internal sealed class AdamWOptimizer : IDisposable
{
    private readonly (string Name, Parameter Parameter, Tensor Mean, Tensor Variance, bool Decay)[] _slots;
    private readonly double _beta1, _beta2, _epsilon, _weightDecay;

    public AdamWOptimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, double beta1, double beta2, double epsilon, double weightDecay)
    {
        (_beta1, _beta2, _epsilon, _weightDecay) = (beta1, beta2, epsilon, weightDecay);
        _slots = [.. parameters.Select(p => (p.Name, p.Parameter,
            torch.zeros_like(p.Parameter, requires_grad: false).DetachFromDisposeScope(),
            torch.zeros_like(p.Parameter, requires_grad: false).DetachFromDisposeScope(),
            p.Parameter.dim() >= 2))];
    }

    /// <summary>Optimizer steps taken so far.</summary>
    public int StepCount { get; private set; }

    public IEnumerable<Parameter> Parameters => _slots.Select(s => s.Parameter);

    public void ZeroGrad()
    {
        foreach (var slot in _slots) slot.Parameter.grad?.zero_();
    }

    /// <summary>
    /// Clips the gradients' global L2 norm to <paramref name="maxGradientNorm"/> (0: no clipping; as
    /// <c>clip_grad_norm_</c>: gradients scaled by <c>max / (norm + 1e-6)</c> when that is below 1) and takes one step.
    /// </summary>
    public void Step(double learningRate, double maxGradientNorm)
    {
        _fusedChunks ??= FusedChunks();
        if (_fusedChunks is { Length: > 0 } chunks)
        {
            FusedStep(chunks, learningRate, maxGradientNorm);
            return;
        }
        if (maxGradientNorm > 0) torch.nn.utils.clip_grad_norm_(Parameters, maxGradientNorm);
        Step(learningRate);
    }

    /// <summary>Whether the last <see cref="Step(double, double)"/> took the fused path.</summary>
    internal bool UsedFusedStep { get; private set; }

    private (int Slot, long Start, int Length)[]? _fusedChunks;
    private const int ChunkElements = 1 << 16;

    // The fused path's work split: fixed chunks, so the norm's partial sums are added in the same order every time.
    private (int Slot, long Start, int Length)[] FusedChunks()
    {
        var chunks = new List<(int, long, int)>();
        for (int i = 0; i < _slots.Length; i++)
        {
            var (_, p, m, v, _) = _slots[i];
            if (!Fusable(p) || !Fusable(m) || !Fusable(v)) return [];
            for (long start = 0; start < p.numel(); start += ChunkElements)
                chunks.Add((i, start, (int)Math.Min(ChunkElements, p.numel() - start)));
        }
        return [.. chunks];
    }

    private static bool Fusable(Tensor t) => t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous();

    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    private void FusedStep((int Slot, long Start, int Length)[] chunks, double learningRate, double maxGradientNorm)
    {
        var grads = new Tensor?[_slots.Length];
        for (int i = 0; i < _slots.Length; i++)
        {
            var g = _slots[i].Parameter.grad;
            if (g is not null && !Fusable(g))
            {
                // A gradient of another layout (rare): the tensor path, for this step.
                UsedFusedStep = false;
                if (maxGradientNorm > 0) torch.nn.utils.clip_grad_norm_(Parameters, maxGradientNorm);
                Step(learningRate);
                return;
            }
            grads[i] = g;
        }
        UsedFusedStep = true;
        StepCount++;
        double correction1 = 1 - Math.Pow(_beta1, StepCount), correction2 = 1 - Math.Pow(_beta2, StepCount);

        float scale = 1f;
        if (maxGradientNorm > 0)
        {
            var partial = new double[chunks.Length];
            Parallel.For(0, chunks.Length, c =>
            {
                var (slot, start, length) = chunks[c];
                if (grads[slot] is not { } g) return;
                var values = Floats(g).Slice((int)start, length);
                double sum = 0;
                foreach (float x in values) sum += (double)x * x;
                partial[c] = sum;
            });
            double total = 0;
            foreach (double x in partial) total += x; // in chunk order: the same sum every run
            double coefficient = maxGradientNorm / (Math.Sqrt(total) + 1e-6);
            if (coefficient < 1) scale = (float)coefficient;
        }

        float decayFactor = (float)(1 - learningRate * _weightDecay), beta1 = (float)_beta1, oneMinusBeta1 = (float)(1 - _beta1),
            beta2 = (float)_beta2, oneMinusBeta2 = (float)(1 - _beta2), sqrtCorrection2 = (float)Math.Sqrt(correction2),
            epsilon = (float)_epsilon, stepSize = (float)(-learningRate / correction1);
        bool anyDecay = _weightDecay != 0;
        Parallel.For(0, chunks.Length, c =>
        {
            var (slot, start, length) = chunks[c];
            if (grads[slot] is not { } g) return;
            var (_, p, m, v, decay) = _slots[slot];
            Update(Floats(p).Slice((int)start, length), Floats(g).Slice((int)start, length), Floats(m).Slice((int)start, length),
                Floats(v).Slice((int)start, length), scale, decay && anyDecay ? decayFactor : 1f, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
                sqrtCorrection2, epsilon, stepSize);
        });
    }

    // PyTorch's AdamW for one run of elements, each operation rounded to float32 as libtorch's are:
    // p *= 1 - lr·wd; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p += -(lr / c1) · m / (√v / √c2 + ε).
    private static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float scale, float decay,
        float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float sqrtCorrection2, float epsilon, float stepSize)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            for (int k = 0; k < pv.Length; k++)
            {
                var grad = gv[k] * scale;
                var param = pv[k] * decay;
                var mean = mv[k] * beta1 + grad * oneMinusBeta1;
                var variance = vv[k] * beta2 + grad * grad * oneMinusBeta2;
                var denominator = Vector.SquareRoot(variance) / sqrtCorrection2 + new Vector<float>(epsilon);
                mv[k] = mean;
                vv[k] = variance;
                pv[k] = param + mean / denominator * stepSize;
            }
            i = pv.Length * width;
        }
        for (; i < p.Length; i++)
        {
            float grad = g[i] * scale;
            float param = p[i] * decay;
            float mean = m[i] * beta1 + grad * oneMinusBeta1;
            float variance = v[i] * beta2 + grad * grad * oneMinusBeta2;
            float denominator = MathF.Sqrt(variance) / sqrtCorrection2 + epsilon;
            m[i] = mean;
            v[i] = variance;
            p[i] = param + mean / denominator * stepSize;
        }
    }

    /// <summary>One AdamW step with libtorch's tensor operations (any device and type; no clipping).</summary>
    public void Step(double learningRate)
    {
        UsedFusedStep = false;
        StepCount++;
        double correction1 = 1 - Math.Pow(_beta1, StepCount), correction2 = 1 - Math.Pow(_beta2, StepCount);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        // Scalars held for the whole step (see TorchScalars: a temporary Scalar can be finalised mid-call).
        using Scalar decayFactor = (1 - learningRate * _weightDecay).ToScalar(), beta1 = _beta1.ToScalar(), oneMinusBeta1 = (1 - _beta1).ToScalar(),
            beta2 = _beta2.ToScalar(), oneMinusBeta2 = (1 - _beta2).ToScalar(), sqrtCorrection2 = Math.Sqrt(correction2).ToScalar(),
            epsilon = _epsilon.ToScalar(), stepSize = (-learningRate / correction1).ToScalar();
        foreach (var (_, p, m, v, decay) in _slots)
        {
            var grad = p.grad;
            if (grad is null) continue;
            if (decay && _weightDecay != 0) p.mul_(decayFactor);
            m.mul_(beta1).add_(grad, alpha: oneMinusBeta1);
            v.mul_(beta2).addcmul_(grad, grad, value: oneMinusBeta2);
            var denominator = v.sqrt().div_(sqrtCorrection2).add_(epsilon, TorchScalars.One);
            p.addcdiv_(m, denominator, value: stepSize);
        }
    }

    public void Save(string path)
    {
        var writer = new SafeTensorsWriter();
        writer.Metadata["step"] = StepCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, _, m, v, _) in _slots)
        {
            writer.Add("exp_avg." + name, ToFloats(m), m.shape);
            writer.Add("exp_avg_sq." + name, ToFloats(v), v.shape);
        }
        writer.Save(path);
    }

    public void Load(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("step", out var stepText) || !int.TryParse(stepText, System.Globalization.CultureInfo.InvariantCulture, out int step))
            throw new ModelFormatException(path, "__metadata__.step", "missing or not an integer");
        using var noGrad = torch.no_grad();
        foreach (var (name, _, m, v, _) in _slots)
        {
            Restore(file, "exp_avg." + name, m);
            Restore(file, "exp_avg_sq." + name, v);
        }
        StepCount = step;
    }

    public void Dispose()
    {
        foreach (var slot in _slots)
        {
            slot.Mean.Dispose();
            slot.Variance.Dispose();
        }
    }

    private static void Restore(SafeTensorsFile file, string name, Tensor target)
    {
        if (!file.Contains(name)) throw new ModelFormatException(file.FilePath, name, "optimizer state tensor missing");
        var info = file.GetInfo(name);
        if (!info.Shape.SequenceEqual(target.shape))
            throw new ModelFormatException(file.FilePath, name, $"shape {info.ShapeText} does not match the parameter's [{string.Join(", ", target.shape)}]");
        using var loaded = torch.tensor(file.ReadSingles(name), target.shape);
        target.copy_(loaded);
    }

    internal static float[] ToFloats(Tensor tensor)
    {
        using var cpu = tensor.detach().to(ScalarType.Float32).cpu().contiguous();
        return cpu.data<float>().ToArray();
    }
}
