using Aligner.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>The decoder stack under the name <c>model</c>: <c>embed_tokens</c>, <c>layers.N</c>, <c>norm</c>.</summary>
public sealed class DecoderModel : nn.Module
{
#pragma warning disable IDE1006 // Field names are the checkpoint's tensor names.
    private readonly TokenEmbedding embed_tokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;
#pragma warning restore IDE1006
    private readonly DecoderLayer[] _layers;

    /// <summary>Creates the stack for <paramref name="config"/> with uninitialised parameters.</summary>
    public DecoderModel(DecoderConfig config, ScalarType dtype, Device device) : base(nameof(DecoderModel))
    {
        embed_tokens = new TokenEmbedding(config.VocabSize, config.HiddenSize, dtype, device);
        _layers = [.. Enumerable.Range(0, config.NumHiddenLayers).Select(i => new DecoderLayer(config, i, dtype, device))];
        layers = new ModuleList<DecoderLayer>(_layers);
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, config.NormAddsUnitOffset, dtype, device);
        RegisterComponents();
    }

    /// <summary><c>embed_tokens</c>.</summary>
    public TokenEmbedding EmbedTokens => embed_tokens;

    /// <summary><c>layers</c>.</summary>
    public IReadOnlyList<DecoderLayer> Layers => _layers;

    /// <summary><c>norm</c>: the final normalisation.</summary>
    public RmsNorm Norm => norm;
}
