namespace Aligner.Tokenization.PreTokenizers;

/// <summary>One <c>pre_tokenizer</c> step of <c>tokenizer.json</c>: splits (and may rewrite) pieces of text.</summary>
internal interface IPreTokenizer
{
    /// <summary>Splits each piece; empty pieces are dropped.</summary>
    List<PreTokenPiece> PreTokenize(List<PreTokenPiece> pieces);
}
