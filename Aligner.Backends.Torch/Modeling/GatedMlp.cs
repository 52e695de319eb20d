using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// The gated MLP <c>down_proj(act(gate_proj(x)) * up_proj(x))</c>: SwiGLU (Llama, Mistral, Qwen2) or GeGLU (Gemma).
/// <c>gate_proj</c> and <c>up_proj</c> are stored packed (<see cref="PackedProjections"/>): without autograd they run as one matmul.
/// </summary>
public sealed class GatedMlp : nn.Module<Tensor, Tensor>
{
    private readonly HiddenActivation _activation;
    private readonly PackedProjections _gateUp;

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
        _gateUp = new PackedProjections(config.HiddenSize, [config.IntermediateSize, config.IntermediateSize], bias, dtype, device);
        gate_proj = _gateUp[0];
        up_proj = _gateUp[1];
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
        return Apply(input, packed: !is_grad_enabled()).MoveToOuterDisposeScope();
    }

    /// <summary>Holds gate/up (packed) and down_proj as int8 (<see cref="Int8Weight"/>), freeing their float weights.</summary>
    /// <exception cref="InvalidOperationException">A projection was replaced (e.g. by an adapter).</exception>
    internal void QuantizeInt8()
    {
        if (down_proj is not Projection down || !(RunsPacked || RunsSeparated))
            throw new InvalidOperationException("Only a layer whose projections are its own (no adapters) can be quantized.");
        if (RunsPacked) _gateUp.QuantizeInt8();
        else foreach (var part in new[] { gate_proj, up_proj }) ((Projection)part).QuantizeInt8();
        down.QuantizeInt8();
    }

    /// <summary>The packed gate/up projection.</summary>
    internal PackedProjections GateUp => _gateUp;

    /// <summary>The gate's activation.</summary>
    internal HiddenActivation Activation => _activation;

    /// <summary>Whether gate and up still run as one matmul without autograd (no adapter wraps them, their parameters are the packed ones).</summary>
    internal bool RunsPacked => _gateUp.Holds(gate_proj, 0) && _gateUp.Holds(up_proj, 1);

    /// <summary>Whether gate and up are plain projections with storage of their own (<see cref="PackedProjections.Separate"/>).</summary>
    internal bool RunsSeparated => _gateUp.IsSeparated && gate_proj is Projection && up_proj is Projection;

    /// <summary>
    /// The MLP without a dispose scope of its own. <paramref name="packed"/> (only without autograd): one matmul for
    /// gate and up while both are still the packed projections, the activation applied in place.
    /// </summary>
    internal Tensor Apply(Tensor input, bool packed)
    {
        if (packed && RunsPacked)
        {
            var halves = _gateUp.Forward(input).chunk(2, -1);
            return down_proj.forward(Activate(halves[0], inPlace: true).mul(halves[1]));
        }
        return down_proj.forward(Activate(gate_proj.forward(input), inPlace: false) * up_proj.forward(input));
    }

    private Tensor Activate(Tensor gate, bool inPlace) => _activation switch
    {
        HiddenActivation.Silu => inPlace ? gate.silu_() : nn.functional.silu(gate),
        HiddenActivation.GeluTanh => nn.functional.gelu(gate, TorchSharp.Modules.GELU.Approximate.tanh),
        _ => nn.functional.gelu(gate),
    };

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _gateUp.Dispose();
    }

    private void Replace(ref nn.Module<Tensor, Tensor> field, string name, nn.Module<Tensor, Tensor> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        register_module(name, null!);
        register_module(name, value);
        field = value;
    }
}
