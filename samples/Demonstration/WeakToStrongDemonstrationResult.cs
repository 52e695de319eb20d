using System.Text;
using Aligner.Training;
using Aligner.Training.Data;
using Aligner.Training.Evaluation;
using Aligner.Training.WeakToStrong;

namespace Aligner.Samples.Demonstration;

/// <summary>What <see cref="WeakToStrongDemonstration"/> measured.</summary>
/// <param name="Before">The strong model's held-out metrics before weak-to-strong training.</param>
/// <param name="AfterSft">After SFT on the corrector's outputs.</param>
/// <param name="AfterDpo">After DPO (starting from the SFT model, which is also the reference) on the preference pairs.</param>
/// <param name="CorrectedBefore">The before-state's held-out answers passed through the corrector (what the aligner gives at inference time).</param>
/// <param name="Synthesis">Counts of the synthesized training data.</param>
/// <param name="Elapsed">Wall-clock time of the whole run.</param>
public sealed record WeakToStrongDemonstrationResult(
    CorrectionReport Before,
    CorrectionReport AfterSft,
    CorrectionReport AfterDpo,
    CorrectionReport CorrectedBefore,
    SynthesisSummary Synthesis,
    TimeSpan Elapsed)
{
    /// <summary>The metrics side by side as a Markdown table, with the synthesis counts below.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder(CorrectionReport.ToMarkdownTable([Before, AfterSft, AfterDpo, CorrectedBefore]));
        sb.Append('\n').Append(System.Globalization.CultureInfo.InvariantCulture,
            $"Synthesis: {Synthesis.Recorded} answers corrected, {Synthesis.SftRows} SFT rows, {Synthesis.PreferenceRows} preference pairs, " +
            $"{Synthesis.UnchangedPairs} unchanged (no pair), {Synthesis.Fallbacks} fallbacks. Run time {Elapsed.TotalSeconds:F0} s.\n");
        return sb.ToString();
    }
}
