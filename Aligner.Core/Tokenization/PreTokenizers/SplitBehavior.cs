namespace Aligner.Tokenization.PreTokenizers;

/// <summary>What a split does with the matched delimiters (Hugging Face's <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}
