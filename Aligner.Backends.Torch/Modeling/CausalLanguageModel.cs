using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// A Llama-family causal language model (Llama, Mistral, Qwen2, Gemma, Gemma 2) whose parameter names are exactly the
/// Hugging Face checkpoint's (<c>model.embed_tokens.weight</c>, <c>model.layers.N.self_attn.q_proj.weight</c>, ...,
/// <c>lm_head.weight</c> unless tied). Architecture differences come from <see cref="DecoderConfig"/>.
/// <see cref="forward(Tensor)"/> and <see cref="Forward(Tensor, Tensor?)"/> return logits over full sequences
/// (for training); generation uses <see cref="TorchDecoderModel"/>, whose sessions hold their own KV caches,
/// so one instance serves concurrent requests.
/// </summary>
public sealed class CausalLanguageModel : nn.Module<Tensor, Tensor>
{
    private readonly RotaryEmbedding _rotary;
    private readonly Scalar? _finalSoftcap;
    private readonly Scalar? _embeddingScale;

#pragma warning disable IDE1006 // Field names are the checkpoint's tensor names.
    private readonly DecoderModel model;
    private readonly Projection? lm_head;
#pragma warning restore IDE1006

    /// <summary>Creates the model with uninitialised parameters (fill them with <see cref="LoadWeights"/> or <see cref="InitializeRandom"/>).</summary>
    public CausalLanguageModel(DecoderConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null) : base(nameof(CausalLanguageModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ModelFamilies.Require(config.ModelType, ModelTarget.TorchBackend, CheckpointFolder.ConfigFileName);
        TorchDTypes.EnsureSupported(dtype);
        Config = config;
        DType = dtype;
        Device = device ?? CPU;
        _rotary = new RotaryEmbedding(config);
        _finalSoftcap = config.FinalLogitSoftcapping?.ToScalar();
        _embeddingScale = config.ScalesEmbeddings ? EmbeddingScale().ToScalar() : null;
        model = new DecoderModel(config, dtype, Device);
        if (!config.TieWordEmbeddings) lm_head = new Projection(config.HiddenSize, config.VocabSize, false, dtype, Device);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public DecoderConfig Config { get; }

    /// <summary>The parameters' dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>The device the parameters live on.</summary>
    public Device Device { get; }

    /// <summary><c>model</c>: the decoder stack.</summary>
    public DecoderModel Model => model;

    /// <summary><c>lm_head</c>, or <see langword="null"/> when tied to <c>model.embed_tokens</c>.</summary>
    public Projection? LmHead => lm_head;

    // The output projection as int8 when the head is tied to the embedding (which stays in DType for the lookups).
    private Int8Weight? _tiedHeadInt8;

    /// <summary>The rotary tables.</summary>
    internal RotaryEmbedding Rotary => _rotary;

    /// <summary>The int8 copy of a tied head (after <see cref="QuantizeInt8"/>), or <see langword="null"/>.</summary>
    internal Int8Weight? TiedHeadInt8 => _tiedHeadInt8;

    /// <summary>Gemma's embedding multiplier (rounded to <see cref="DType"/>), or <see langword="null"/>.</summary>
    internal double? EmbeddingMultiplier => Config.ScalesEmbeddings ? EmbeddingScale() : null;

    /// <summary>
    /// Whether the weights were loaded as views of the memory-mapped checkpoint files (<see cref="TorchWeightStorage.MappedFile"/>)
    /// rather than read into memory the process owns.
    /// </summary>
    public bool IsFileMapped { get; internal set; }

    /// <summary>Whether the linear projections are held as int8 (<see cref="QuantizeInt8"/>).</summary>
    public bool IsQuantized { get; private set; }

    /// <summary>
    /// Holds every linear projection — the layers' q/k/v, o, gate/up and down, and the output head — as int8 with one
    /// float32 scale per block of 32 inputs (symmetric, as llama.cpp's Q8_0), and frees their float weights: about a
    /// quarter of float32's bytes (half of bfloat16's) for the weights a decode step reads. Embeddings and norms keep
    /// <see cref="DType"/>; activations and accumulation stay in float32 (bfloat16 activations are widened). A tied head
    /// gets an int8 copy of the embedding. For inference only: training, adapters and saving need the float weights.
    /// CPU only.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is not on the CPU, or a projection was replaced by an adapter.</exception>
    public void QuantizeInt8()
    {
        if (IsQuantized) return;
        if (Device.type != DeviceType.CPU) throw new InvalidOperationException("Int8 weights run on the CPU only.");
        for (int i = 0; i < model.Layers.Count; i++) QuantizeLayerInt8(i);
        QuantizeHeadInt8();
    }

    /// <summary>Quantizes one decoder layer's projections (int8 loading calls it as each layer is read).</summary>
    internal void QuantizeLayerInt8(int layer)
    {
        model.Layers[layer].SelfAttention.QuantizeInt8();
        model.Layers[layer].Mlp.QuantizeInt8();
    }

    /// <summary>Quantizes the head (a tied head gets an int8 copy) and marks the model quantized; the layers must be done.</summary>
    internal void QuantizeHeadInt8()
    {
        if (lm_head is null) _tiedHeadInt8 = Int8Weight.Quantize(model.EmbedTokens.Weight);
        else lm_head.QuantizeInt8();
        IsQuantized = true;
    }

    /// <summary>
    /// Fills the parameters from <paramref name="weights"/> and quantizes each decoder layer to int8 as soon as it is read,
    /// then the head: only one layer is ever held in the load dtype (see <see cref="QuantizeInt8"/>).
    /// </summary>
    internal void LoadWeightsAsInt8(CheckpointWeights weights)
    {
        if (Device.type != DeviceType.CPU) throw new InvalidOperationException("Int8 weights run on the CPU only.");
        CheckpointLoader.Load(this, weights, CheckpointLoader.ConversionChunkElements, CheckpointLoader.DirectChunkBytes, QuantizeLayerInt8);
        QuantizeHeadInt8();
    }

    /// <summary>A model with Hugging Face's initialisation (<c>normal(0, initializer_range)</c> weights, zero biases, identity norms), reproducible from <paramref name="seed"/>.</summary>
    public static CausalLanguageModel CreateRandom(DecoderConfig config, long seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var m = new CausalLanguageModel(config, dtype, device);
        m.InitializeRandom(seed);
        return m;
    }

    /// <summary>Loads a checkpoint folder's <c>config.json</c> and weights, converted to <paramref name="dtype"/>.</summary>
    /// <exception cref="ModelFormatException">Configuration or weights invalid; missing, unexpected or wrongly shaped tensors are listed by name.</exception>
    /// <exception cref="ModelTooLargeException">On the CPU: the weights plus a working margin would not fit in the available memory (checked before allocating).</exception>
    public static CausalLanguageModel Load(string folder, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Loading.TorchModelLoader.Load(CheckpointFolder.Open(folder), dtype, device ?? CPU).Model;

    /// <summary>Fills the parameters from <paramref name="weights"/>, strictly name for name (see <see cref="CheckpointLoader"/>).</summary>
    public void LoadWeights(CheckpointWeights weights) => CheckpointLoader.Load(this, weights);

    /// <summary>Re-initialises every parameter as Hugging Face does for a new model, from <paramref name="seed"/>.</summary>
    public void InitializeRandom(long seed)
    {
        using var noGrad = no_grad();
        var generator = new Generator(unchecked((ulong)seed));
        try
        {
            foreach (var (name, p) in named_parameters())
            {
                if (name.EndsWith("norm.weight", StringComparison.Ordinal))
                {
                    if (Config.NormAddsUnitOffset) p.zero_(); else p.fill_(TorchScalars.One);
                }
                else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.zero_();
                else if (p.device_type == DeviceType.CPU) p.normal_(0, Config.InitializerRange, generator);
                else
                {
                    using var cpu = empty(p.shape, ScalarType.Float32).normal_(0, Config.InitializerRange, generator);
                    p.copy_(cpu);
                }
            }
            if (Config.PadTokenId is { } pad) model.EmbedTokens.Weight[pad].zero_();
        }
        finally { generator.Dispose(); }
    }

    /// <summary>Logits <c>[B, T, vocab]</c> for token ids <c>[B, T]</c> (int64), every position attending to all earlier ones.</summary>
    public override Tensor forward(Tensor inputIds) => Forward(inputIds, null);

    /// <summary>
    /// Logits <c>[B, T, vocab]</c> for token ids <c>[B, T]</c>. <paramref name="attentionMask"/> <c>[B, T]</c> (1 = token,
    /// 0 = padding) keeps real tokens from attending to padding; positions count real tokens only, so right- or
    /// left-padded rows give the logits their unpadded sequences would. Logits at padded positions are meaningless.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        return Head(HiddenStates(inputIds, attentionMask)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The decoder stack's output before the final norm, <c>[B, T, hidden]</c>, with the masking and positions of
    /// <see cref="Forward(Tensor, Tensor?)"/>. With <see cref="Head"/>, lets a trainer compute logits only where it needs them.
    /// </summary>
    public Tensor HiddenStates(Tensor inputIds, Tensor? attentionMask)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.dim() != 2) throw new ArgumentException($"input ids must be [batch, length]; got [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        using var scope = NewDisposeScope();
        long batch = inputIds.shape[0], length = inputIds.shape[1];
        var ids = inputIds.to(ScalarType.Int64, Device);
        if (ids.numel() > 0)
        {
            long min = ids.min().item<long>(), max = ids.max().item<long>();
            if (min < 0 || max >= Config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(inputIds), $"Token ids must be in 0..{Config.VocabSize - 1} (vocab_size); got {(min < 0 ? min : max)}.");
        }
        Tensor keyValid, positions;
        if (attentionMask is null)
        {
            keyValid = ones([batch, length], ScalarType.Bool, Device);
            positions = TorchScalars.Range(0, length, Device).unsqueeze(0).expand(batch, length);
        }
        else
        {
            if (!attentionMask.shape.SequenceEqual(inputIds.shape))
                throw new ArgumentException($"attention mask [{string.Join(", ", attentionMask.shape)}] must match input ids [{string.Join(", ", inputIds.shape)}].", nameof(attentionMask));
            keyValid = attentionMask.to(Device).ne(TorchScalars.Zero);
            positions = PositionIds(keyValid);
        }
        using var masks = new AttentionMasks(keyValid, 0, length);
        return Stack(ids, positions, masks, null, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Logits for hidden states from <see cref="HiddenStates"/> (any leading shape): final norm, output projection (or tied embedding), and Gemma 2's final soft-capping.</summary>
    public Tensor Head(Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = NewDisposeScope();
        var normalized = model.Norm.forward(hidden);
        var logits = lm_head is not null ? lm_head.forward(normalized)
            : _tiedHeadInt8 is { } int8 ? RowLinear.Apply(normalized, int8, null)
            : RowLinear.Apply(normalized, model.EmbedTokens.Weight, null);
        if (_finalSoftcap is { } cap) logits = logits.div(cap).tanh().mul(cap);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Position ids for a (left- or right-) padded batch: <c>cumsum(mask) - 1</c>, and 1 at padding (as Hugging Face's <c>generate</c>).</summary>
    internal static Tensor PositionIds(Tensor keyValid)
    {
        using var scope = NewDisposeScope();
        var counts = keyValid.to(ScalarType.Int64).cumsum(1).sub(TorchScalars.One);
        return counts.masked_fill(keyValid.logical_not(), TorchScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>The decoder pass shared by training and generation.</summary>
    /// <param name="ids">Token ids <c>[B, T]</c> on the model's device.</param>
    /// <param name="positionIds">Position ids <c>[B, T]</c>.</param>
    /// <param name="masks">Attention masks over the keys the queries see.</param>
    /// <param name="cache">KV cache to write and read, or <see langword="null"/>.</param>
    /// <param name="cacheOffset">Cache position of the first token.</param>
    /// <param name="lastPositionOnly">Compute logits for the last position only (<c>[B, 1, vocab]</c>).</param>
    /// <param name="cancellationToken">Checked before each decoder layer.</param>
    internal Tensor Run(Tensor ids, Tensor positionIds, AttentionMasks masks, KeyValueCache? cache, long cacheOffset, bool lastPositionOnly, CancellationToken cancellationToken = default)
    {
        using var scope = NewDisposeScope();
        var hidden = Stack(ids, positionIds, masks, cache, cacheOffset, cancellationToken);
        if (lastPositionOnly) hidden = hidden.narrow(1, hidden.shape[1] - 1, 1);
        return Head(hidden).MoveToOuterDisposeScope();
    }

    private Tensor Stack(Tensor ids, Tensor positionIds, AttentionMasks masks, KeyValueCache? cache, long cacheOffset, CancellationToken cancellationToken = default)
    {
        using var scope = NewDisposeScope();
        var hidden = model.EmbedTokens.forward(ids);
        if (_embeddingScale is { } scale) hidden = hidden.mul(scale);
        long batch = ids.shape[0], length = ids.shape[1], headDim = Config.HeadDim;
        // Position ids never exceed the cache position of their token (padding gets 1).
        var (cos, signedSin) = _rotary.Lookup(positionIds, Math.Max(2, cacheOffset + length), DType);
        bool packed = !is_grad_enabled();
        var step = new DecoderStep(cos.view(batch, 1, length, headDim), signedSin.view(batch, 1, length, headDim), masks, cache, cacheOffset)
        {
            Packed = packed,
            CosRows = packed ? cos.view(batch, length, 1, headDim) : null,
            SinRows = packed ? signedSin.view(batch, length, 1, headDim) : null,
            CachePositions = packed && cache is not null ? TorchScalars.Range(cacheOffset, cacheOffset + length, Device) : null,
        };
        foreach (var layer in model.Layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hidden = layer.Forward(hidden, step);
        }
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>Computes the rotary tables for positions below <paramref name="positions"/> now (a session does it for its capacity).</summary>
    internal void ReserveRotary(long positions) => _rotary.Reserve(Math.Max(2, positions), DType, Device);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _rotary.ReleaseTables();
            _tiedHeadInt8?.Dispose();
        }
    }

    /// <summary>Gemma's embedding multiplier: <c>sqrt(hidden_size)</c> rounded to the model's dtype, as Hugging Face computes it.</summary>
    private double EmbeddingScale()
    {
        using var scale = tensor(Math.Sqrt(Config.HiddenSize), ScalarType.Float64).to(DType).to(ScalarType.Float64);
        return scale.item<double>();
    }

    /// <summary>
    /// Writes a Hugging Face checkpoint: <c>model.safetensors</c> (HF names, <paramref name="dtype"/> or the model's)
    /// and <c>config.json</c>. Files are replaced atomically.
    /// </summary>
    /// <exception cref="InvalidOperationException">A projection is still wrapped by an adapter (merge it first).</exception>
    public void SaveCheckpoint(string folder, ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var wrapped = model.Layers.SelectMany((layer, i) => layer.Projections().Select(p => (Name: $"model.layers.{i}.{p.Path}", Module: (object)p.Module)))
            .FirstOrDefault(m => m.Module is not Projection);
        if (wrapped.Name is not null)
            throw new InvalidOperationException($"{wrapped.Name} is wrapped by {wrapped.Module.GetType().Name}; merge adapters into plain projections before saving a Hugging Face checkpoint.");
        var target = dtype ?? DType;
        TorchDTypes.EnsureSupported(target);
        Directory.CreateDirectory(folder);
        var writer = new SafeTensorsWriter();
        using (no_grad())
        {
            foreach (var (name, p) in named_parameters())
            {
                using var cpu = p.detach().to(target, CPU).contiguous();
                writer.Add(name, TorchDTypes.ToSafeTensors(target), cpu.shape, cpu.bytes.ToArray());
            }
        }
        writer.Save(Path.Combine(folder, CheckpointWeights.SingleFileName));
        (Config with { TorchDtype = TorchDTypes.ToConfigName(target) }).Save(Path.Combine(folder, CheckpointFolder.ConfigFileName));
    }
}
