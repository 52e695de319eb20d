using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>The gated MLP <c>down_proj(act(gate_proj(x)) * up_proj(x))</c>: SwiGLU (Llama, Mistral, Qwen2) or GeGLU (Gemma).</summary>
public sealed class GatedMlp : nn.Module<Tensor, Tensor>
{
    private readonly HiddenActivation _activation;

#pragma warning disable IDE1006 // Field names are the checkpoint's tensor names.
    [TorchSharp.Utils.ComponentName(Name = "gate_proj")] private nn.Module<Tensor, Tensor> gate_proj;
    [TorchSharp.Utils.ComponentName(Name = "up_proj")] private nn.Module<Tensor, Tensor> up_proj;
    [TorchSharp.Utils.ComponentName(Name = "down_proj")] private nn.Module<Tensor, Tensor> down_proj;
#pragma warning restore IDE1006

    /// <summary>Creates the MLP for <paramref name="config"/>.</summary>
    public GatedMlp(DecoderConfig config, ScalarType dtype, Device device) : base(nameof(GatedMlp))
    {
        _activation = config.HiddenActivation;
        bool bias = config.HasMlpBias;
        gate_proj = new Projection(config.HiddenSize, config.IntermediateSize, bias, dtype, device);
        up_proj = new Projection(config.HiddenSize, config.IntermediateSize, bias, dtype, device);
        down_proj = new Projection(config.IntermediateSize, config.HiddenSize, bias, dtype, device);
        RegisterComponents();
    }

    /// <summary><c>gate_proj</c>. The setter (for adapters such as LoRA) re-registers the module under the same name.</summary>
    public nn.Module<Tensor, Tensor> GateProj { get => gate_proj; internal set => Replace(ref gate_proj, "gate_proj", value); }

    /// <summary><c>up_proj</c>. The setter re-registers the module under the same name.</summary>
    public nn.Module<Tensor, Tensor> UpProj { get => up_proj; internal set => Replace(ref up_proj, "up_proj", value); }

    /// <summary><c>down_proj</c>. The setter re-registers the module under the same name.</summary>
    public nn.Module<Tensor, Tensor> DownProj { get => down_proj; internal set => Replace(ref down_proj, "down_proj", value); }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var gate = gate_proj.forward(input);
        var activated = _activation switch
        {
            HiddenActivation.Silu => nn.functional.silu(gate),
            HiddenActivation.GeluTanh => nn.functional.gelu(gate, TorchSharp.Modules.GELU.Approximate.tanh),
            _ => nn.functional.gelu(gate),
        };
        return down_proj.forward(activated * up_proj.forward(input)).MoveToOuterDisposeScope();
    }

    private void Replace(ref nn.Module<Tensor, Tensor> field, string name, nn.Module<Tensor, Tensor> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        register_module(name, null!);
        register_module(name, value);
        field = value;
    }
}
