using System.Runtime.CompilerServices;
using Aligner.Generation;
using Microsoft.Extensions.Logging;

namespace Aligner.Backends.Onnx;

/// <summary>
/// A correction model on ONNX Runtime: the shared generation loop (<see cref="DecoderCorrectionModel"/>: sampling,
/// stop sequences, left-padded batches, streaming) over an <see cref="OnnxDecoderModel"/>. A cancelled request also
/// stops the ONNX Runtime run in progress (through <c>RunOptions.Terminate</c>). Thread-safe: concurrent requests each get their own KV cache.
/// </summary>
public class OnnxCorrectionModel : DecoderCorrectionModel, ICorrectionModel
{
    private static readonly AsyncLocal<CancellationToken> Cancellation = new();

    /// <summary>Wraps an ONNX decoder.</summary>
    /// <param name="model">The decoder.</param>
    /// <param name="ownsModel">Dispose the decoder with this object.</param>
    public OnnxCorrectionModel(OnnxDecoderModel model, bool ownsModel = true) : base(model, ownsModel) => Decoder = model;

    /// <summary>Loads an ONNX decoder folder (see <see cref="OnnxDecoderModel.Load"/>) as a correction model.</summary>
    /// <param name="folder">The folder with the model, its tokenizer and <c>genai_config.json</c> or <c>config.json</c>.</param>
    /// <param name="options">Backend options.</param>
    /// <param name="logger">Receives the execution provider choice and fallbacks.</param>
    public static OnnxCorrectionModel Load(string folder, OnnxBackendOptions? options = null, ILogger? logger = null) =>
        new(OnnxDecoderModel.Load(folder, options, logger));

    /// <summary>The ONNX decoder.</summary>
    public OnnxDecoderModel Decoder { get; }

    /// <summary>The cancellation token of the request running on this thread's logical flow (none outside a request).</summary>
    internal static CancellationToken CurrentCancellation => Cancellation.Value;

    /// <inheritdoc cref="DecoderCorrectionModel.GenerateAsync"/>
    /// <remarks>Cancellation also terminates the ONNX Runtime run in progress.</remarks>
    public new Task<GenerationResult> GenerateAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        // The generation loop starts its worker inside this call, so the worker inherits the token.
        var outer = Cancellation.Value;
        Cancellation.Value = cancellationToken;
        try { return base.GenerateAsync(prompt, options, cancellationToken); }
        finally { Cancellation.Value = outer; }
    }

    /// <inheritdoc cref="DecoderCorrectionModel.GenerateBatchAsync"/>
    /// <remarks>Cancellation also terminates the ONNX Runtime run in progress.</remarks>
    public new Task<IReadOnlyList<GenerationResult>> GenerateBatchAsync(IReadOnlyList<CorrectionPrompt> prompts, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        var outer = Cancellation.Value;
        Cancellation.Value = cancellationToken;
        try { return base.GenerateBatchAsync(prompts, options, cancellationToken); }
        finally { Cancellation.Value = outer; }
    }

    /// <inheritdoc cref="DecoderCorrectionModel.GenerateStreamingAsync"/>
    /// <remarks>Cancellation also terminates the ONNX Runtime run in progress.</remarks>
    public new async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(CorrectionPrompt prompt, GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Cancellation.Value = cancellationToken;
        await foreach (var update in base.GenerateStreamingAsync(prompt, options, cancellationToken).ConfigureAwait(false))
            yield return update;
    }
}
