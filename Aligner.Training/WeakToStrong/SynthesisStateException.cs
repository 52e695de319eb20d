namespace Aligner.Training.WeakToStrong;

/// <summary>
/// The output folder of a <see cref="CorrectionSynthesizer"/> is in a state it cannot resume from (a file was edited,
/// the state file is malformed, files exist without a state file, or another run holds the folder).
/// <see cref="FilePath"/> names the file.
/// </summary>
public sealed class SynthesisStateException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file that is wrong.</param>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public SynthesisStateException(string filePath, string problem, Exception? innerException = null)
        : base($"{filePath}: {problem}", innerException)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file that is wrong.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}
