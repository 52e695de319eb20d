using Aligner.Generation;
using Microsoft.Extensions.Logging;

namespace Aligner.Backends.Onnx;

/// <summary>
/// A correction model on ONNX Runtime: the shared generation loop (<see cref="DecoderCorrectionModel"/>: batching of
/// concurrent requests, sampling, stop sequences, streaming) over an <see cref="OnnxDecoderModel"/>. When every
/// request of a batch is cancelled, the ONNX Runtime run in progress stops (through <c>RunOptions.Terminate</c>).
/// </summary>
public sealed class OnnxCorrectionModel : DecoderCorrectionModel
{
    /// <summary>Wraps an ONNX decoder.</summary>
    /// <param name="model">The decoder.</param>
    /// <param name="ownsModel">Dispose the decoder with this object.</param>
    /// <param name="scheduling">How concurrent requests are batched (default: <see cref="GenerationSchedulerOptions"/>'s defaults).</param>
    public OnnxCorrectionModel(OnnxDecoderModel model, bool ownsModel = true, GenerationSchedulerOptions? scheduling = null) : base(model, ownsModel, scheduling) => Decoder = model;

    /// <summary>Loads an ONNX decoder folder (see <see cref="OnnxDecoderModel.Load"/>) as a correction model.</summary>
    /// <param name="folder">The folder with the model, its tokenizer and <c>genai_config.json</c> or <c>config.json</c>.</param>
    /// <param name="options">Backend options.</param>
    /// <param name="logger">Receives the execution provider choice and fallbacks.</param>
    public static OnnxCorrectionModel Load(string folder, OnnxBackendOptions? options = null, ILogger? logger = null)
    {
        options ??= new OnnxBackendOptions();
        return new(OnnxDecoderModel.Load(folder, options, logger), scheduling: options.Scheduling);
    }

    /// <summary>The ONNX decoder.</summary>
    public OnnxDecoderModel Decoder { get; }
}
