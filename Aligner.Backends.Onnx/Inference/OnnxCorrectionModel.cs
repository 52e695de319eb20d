using System.Runtime.CompilerServices;
using Aligner.Generation;

namespace Aligner.Backends.Onnx;

/// <summary>
/// A correction model on ONNX Runtime: the shared generation loop (<see cref="DecoderCorrectionModel"/>: sampling,
/// stop sequences, left-padded batches, streaming) over an <see cref="OnnxDecoderModel"/>. A cancelled request also
/// stops the ONNX Runtime run in progress. Thread-safe: concurrent requests each get their own KV cache.
/// </summary>
public class OnnxCorrectionModel : DecoderCorrectionModel, ICorrectionModel
{
    private static readonly AsyncLocal<CancellationToken> Cancellation = new();

    /// <summary>Wraps an ONNX decoder.</summary>
    /// <param name="model">The decoder.</param>
    /// <param name="ownsModel">Dispose the decoder with this object.</param>
    public OnnxCorrectionModel(OnnxDecoderModel model, bool ownsModel = true) : base(model, ownsModel) => Decoder = model;

    /// <summary>The ONNX decoder.</summary>
    public OnnxDecoderModel Decoder { get; }

    /// <summary>The cancellation token of the request running on this thread's logical flow (none outside a request).</summary>
    internal static CancellationToken CurrentCancellation => Cancellation.Value;

    Task<GenerationResult> ICorrectionModel.GenerateAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken)
    {
        // The generation loop starts its worker inside this call, so the worker inherits the token.
        var outer = Cancellation.Value;
        Cancellation.Value = cancellationToken;
        try { return GenerateAsync(prompt, options, cancellationToken); }
        finally { Cancellation.Value = outer; }
    }

    Task<IReadOnlyList<GenerationResult>> ICorrectionModel.GenerateBatchAsync(IReadOnlyList<CorrectionPrompt> prompts, GenerationOptions options, CancellationToken cancellationToken)
    {
        var outer = Cancellation.Value;
        Cancellation.Value = cancellationToken;
        try { return GenerateBatchAsync(prompts, options, cancellationToken); }
        finally { Cancellation.Value = outer; }
    }

    IAsyncEnumerable<GenerationUpdate> ICorrectionModel.GenerateStreamingAsync(CorrectionPrompt prompt, GenerationOptions options, CancellationToken cancellationToken) =>
        StreamWithTerminationAsync(prompt, options, cancellationToken);

    private async IAsyncEnumerable<GenerationUpdate> StreamWithTerminationAsync(CorrectionPrompt prompt, GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Cancellation.Value = cancellationToken;
        await foreach (var update in GenerateStreamingAsync(prompt, options, cancellationToken).ConfigureAwait(false))
            yield return update;
    }
}
