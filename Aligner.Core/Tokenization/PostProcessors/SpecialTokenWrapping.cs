namespace Aligner.Tokenization.PostProcessors;

/// <summary>
/// What the post-processor adds around a single sequence when special tokens are added: the ids before and after it
/// (TemplateProcessing's <c>single</c> template, Bert/Roberta processing, or <c>add_bos_token</c>/<c>add_eos_token</c>).
/// </summary>
internal sealed record SpecialTokenWrapping(int[] Prefix, int[] Suffix)
{
    public static readonly SpecialTokenWrapping None = new([], []);

    public SpecialTokenWrapping Then(SpecialTokenWrapping inner) => new([.. Prefix, .. inner.Prefix], [.. inner.Suffix, .. Suffix]);
}
