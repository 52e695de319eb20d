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

    public void Step(double learningRate)
    {
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
