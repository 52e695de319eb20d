using System.Diagnostics;
using Aligner.Backends.Torch.Loading;
using Aligner.Checkpoints;
using Aligner.Generation;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Aligner.Backends.Torch;

/// <summary>
/// A correction model running a Hugging Face checkpoint (Llama, Mistral, Qwen2, Gemma) with TorchSharp on the CPU
/// or CUDA. Sampling, stop sequences, streaming and batching come from <see cref="DecoderCorrectionModel"/>; each
/// request gets its own preallocated KV cache, so one instance serves concurrent requests.
/// </summary>
public sealed class TorchCorrectionModel : DecoderCorrectionModel
{
    /// <summary>Wraps an already loaded model.</summary>
    /// <param name="model">The loaded network and tokenizer.</param>
    /// <param name="ownsModel">Dispose the model with this object.</param>
    /// <param name="scheduling">How concurrent requests are batched (default: <see cref="GenerationSchedulerOptions"/>'s defaults).</param>
    public TorchCorrectionModel(TorchDecoderModel model, bool ownsModel = true, GenerationSchedulerOptions? scheduling = null) : base(model, ownsModel, scheduling) => Decoder = model;

    /// <summary>The loaded model (network and tokenizer).</summary>
    public TorchDecoderModel Decoder { get; }

    /// <summary>
    /// Loads a checkpoint folder: <c>config.json</c>, <c>generation_config.json</c> (EOS ids), safetensors weights
    /// converted to the requested dtype on the requested device, and the tokenizer.
    /// </summary>
    /// <exception cref="ModelFormatException">A file is missing or invalid (tokenizer included); the file and field are named.</exception>
    /// <exception cref="NotSupportedModelException">The architecture or a feature of it is not supported, or the weights are a pickle file.</exception>
    /// <exception cref="ModelTooLargeException">The weights plus a working margin would not fit in the memory available to the process (checked before allocating).</exception>
    /// <exception cref="TorchRuntimeException">libtorch cannot be loaded, or CUDA was requested and is not available.</exception>
    public static TorchCorrectionModel Load(string folder, TorchBackendOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= new TorchBackendOptions();
        options.Validate();
        var checkpoint = CheckpointFolder.Open(folder);
        var tokenizer = checkpoint.LoadTokenizer();
        if (tokenizer.VocabularySize > checkpoint.Config.VocabSize)
            logger?.LogWarning("The tokenizer has {TokenizerVocabulary} ids but the model only {ModelVocabulary}; prompts using the extra ids will be rejected.",
                tokenizer.VocabularySize, checkpoint.Config.VocabSize);
        IReadOnlyList<int> eos = checkpoint.EosTokenIds.Count > 0 ? checkpoint.EosTokenIds : tokenizer.EosTokenId is { } e ? [e] : [];
        if (eos.Count == 0) logger?.LogWarning("{Folder} defines no EOS token; generation stops only at stop sequences or the token limit.", checkpoint.Path);

        var device = TorchDevices.Resolve(options.Device, logger);
        if (options.IntraOpThreads is { } threads) torch.set_num_threads(threads);
        var clock = Stopwatch.StartNew();
        var (network, dtype, plan) = TorchModelLoader.Load(checkpoint, options.DType, device, options.MemoryLimitBytes, options.CheckMemory, options.Quantization,
            options.WeightStorage, logger);
        network.eval();
        bool int8 = network.IsQuantized;
        if (int8 && options.Quantization == TorchWeightQuantization.WhenNeeded)
            logger?.LogWarning("{Folder} does not fit in the available memory as {DType}, so its projections are held in int8 (logits move by about 1 % of their spread); " +
                "choose the quantization explicitly (--quantize none|int8, TorchBackendOptions.Quantization) to silence this.", checkpoint.Path, dtype.DType);
        logger?.LogInformation("Loaded {Folder} ({Config}) as {DType} ({Reason}){Int8}; {WeightMB:F0} MB of weights on {Device} in {Seconds:F1} s.",
            checkpoint.Path, checkpoint.Config, dtype.DType, dtype.Reason, int8 ? ", projections and head quantized to int8 (blocks of 32) layer by layer" : network.IsFileMapped ? ", mapped from the checkpoint files" : "",
            plan.WeightBytes / 1e6, device, clock.Elapsed.TotalSeconds);
        int? keep = KeepMarker.Resolve(checkpoint.Config.KeepToken, tokenizer, checkpoint.Config.VocabSize, Path.Combine(checkpoint.Path, CheckpointFolder.ConfigFileName));
        return new TorchCorrectionModel(new TorchDecoderModel(network, tokenizer, eos, options.ModelId ?? checkpoint.Name, keepTokenId: keep), scheduling: options.Scheduling);
    }
}
