namespace Aligner.Tokenization.Decoders;

/// <summary>One <c>decoder</c> step of <c>tokenizer.json</c>: rewrites the list of token strings (Hugging Face's <c>decode_chain</c>).</summary>
internal interface ITokenDecoder
{
    List<string> DecodeChain(List<string> tokens);
}
