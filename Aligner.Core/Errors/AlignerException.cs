namespace Aligner;

/// <summary>Base class of every error Aligner raises on purpose.</summary>
public class AlignerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AlignerException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>
/// A model, tokenizer or configuration file is missing, malformed or inconsistent.
/// <see cref="FilePath"/> and <see cref="Field"/> name what was wrong.
/// </summary>
public class ModelFormatException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file that was being read.</param>
    /// <param name="field">The field, tensor or entry that was wrong, when one can be named.</param>
    /// <param name="problem">What was wrong, in words.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ModelFormatException(string filePath, string? field, string problem, Exception? innerException = null)
        : base(Format(filePath, field, problem), innerException)
    {
        FilePath = filePath;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file that was being read.</summary>
    public string FilePath { get; }

    /// <summary>The field, tensor or entry that was wrong, or <see langword="null"/>.</summary>
    public string? Field { get; }

    /// <summary>What was wrong.</summary>
    public string Problem { get; }

    private static string Format(string filePath, string? field, string problem) =>
        field is null ? $"{filePath}: {problem}" : $"{filePath}: '{field}': {problem}";
}

/// <summary>A file is valid but uses a feature (architecture, tokenizer component, rope scaling type, dtype...) that Aligner does not support.</summary>
public class NotSupportedModelException : ModelFormatException
{
    /// <summary>Creates the exception.</summary>
    public NotSupportedModelException(string filePath, string? field, string problem)
        : base(filePath, field, problem) { }
}

/// <summary>A correction could not be produced and the pipeline was configured to throw rather than fall back.</summary>
public class CorrectionFailedException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    public CorrectionFailedException(FallbackReason reason, string message, Exception? innerException = null)
        : base(message, innerException) => Reason = reason;

    /// <summary>Why the correction failed.</summary>
    public FallbackReason Reason { get; }
}

/// <summary>The question and answer do not fit the corrector's context and the budget policy is <see cref="ContextOverflowPolicy.Refuse"/>.</summary>
public class ContextBudgetExceededException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    public ContextBudgetExceededException(int promptTokens, int maxNewTokens, int contextLength)
        : base($"The prompt needs {promptTokens} tokens and generation up to {maxNewTokens} more, but the corrector's context holds {contextLength}.")
    {
        PromptTokens = promptTokens;
        MaxNewTokens = maxNewTokens;
        ContextLength = contextLength;
    }

    /// <summary>Tokens of the rendered prompt.</summary>
    public int PromptTokens { get; }
    /// <summary>Tokens reserved for generation.</summary>
    public int MaxNewTokens { get; }
    /// <summary>The corrector's context length.</summary>
    public int ContextLength { get; }
}

/// <summary>
/// A model would not fit in the memory available to this process (cgroup limit or the machine's available memory),
/// detected before anything was allocated. The message says how much was needed and available, and what to try instead
/// (a 16-bit or int8 dtype, or the ONNX backend).
/// </summary>
public class ModelTooLargeException : AlignerException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelPath">The checkpoint that was being loaded.</param>
    /// <param name="neededBytes">Bytes the load would need (weights plus working memory).</param>
    /// <param name="availableBytes">Bytes available to the process.</param>
    /// <param name="availableSource">Where <paramref name="availableBytes"/> came from (cgroup file, <c>/proc/meminfo</c>, an option).</param>
    /// <param name="advice">What to try instead, in words.</param>
    public ModelTooLargeException(string modelPath, long neededBytes, long availableBytes, string availableSource, string advice)
        : base($"{modelPath}: loading needs {Aligner.Memory.ByteSizes.Format(neededBytes)} but only {Aligner.Memory.ByteSizes.Format(availableBytes)} is available ({availableSource}). {advice}")
    {
        ModelPath = modelPath;
        NeededBytes = neededBytes;
        AvailableBytes = availableBytes;
        AvailableSource = availableSource;
        Advice = advice;
    }

    /// <summary>The checkpoint that was being loaded.</summary>
    public string ModelPath { get; }

    /// <summary>Bytes the load would need.</summary>
    public long NeededBytes { get; }

    /// <summary>Bytes available to the process.</summary>
    public long AvailableBytes { get; }

    /// <summary>Where the available figure came from.</summary>
    public string AvailableSource { get; }

    /// <summary>What to try instead.</summary>
    public string Advice { get; }

}
