using Microsoft.Extensions.AI;

namespace Aligner.Training.WeakToStrong;

/// <summary>Options of a <see cref="CorrectionSynthesizer"/>.</summary>
public sealed class CorrectionSynthesizerOptions
{
    /// <summary>Rows sent to the aligner per <see cref="IAligner.CorrectBatchAsync"/> call; also the commit interval. Default 16.</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>The upstream model that answers rows without an answer; <see langword="null"/> requires every row to have one.</summary>
    public IChatClient? Upstream { get; set; }

    /// <summary>Chat options for the upstream model (cloned per call).</summary>
    public ChatOptions? UpstreamChatOptions { get; set; }

    /// <summary>Generation options for the corrector; <see langword="null"/> uses the aligner's own.</summary>
    public GenerationOptions? Generation { get; set; }

    /// <summary>An instruction for instruction-following correctors (see <see cref="CorrectionRequest.Instruction"/>), or null.</summary>
    public string? Instruction { get; set; }
}
