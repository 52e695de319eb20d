namespace Aligner.Tokenization;

/// <summary>Reads a SentencePiece <c>tokenizer.model</c> (protobuf) into a <see cref="HuggingFaceTokenizer"/>.</summary>
internal static class SentencePieceModelReader
{
    public static HuggingFaceTokenizer Read(string path, TokenizerSettings settings, TokenizerSource source) =>
        throw new NotSupportedModelException(path, null, "SentencePiece tokenizer.model files are not supported yet; provide tokenizer.json");
}
