namespace Aligner.Training.WeakToStrong;

/// <summary>
/// Counts of a synthesis. The first five are totals over every run into the output folder (resumed runs add to them);
/// the skip and failure counts are for the current run.
/// </summary>
/// <param name="Recorded">Rows corrected and recorded in the corrections file.</param>
/// <param name="SftRows">SFT rows written (every recorded row that did not fall back).</param>
/// <param name="PreferenceRows">Preference rows written (rows whose correction differs from the answer).</param>
/// <param name="UnchangedPairs">Rows whose correction equals the answer (ignoring surrounding white space): no preference row.</param>
/// <param name="Fallbacks">Rows where the aligner returned the original answer (gate, empty or degenerate output, context overflow): recorded, no training rows.</param>
/// <param name="SkippedAlreadyDone">Input rows skipped because an earlier run recorded their key.</param>
/// <param name="SkippedDuplicates">Input rows skipped because an earlier row of this run had the same key.</param>
/// <param name="SkippedInvalid">Input rows skipped because the question, or the (given or generated) answer, was empty.</param>
/// <param name="Failed">Rows whose correction timed out or hit a backend error: not recorded, so the next run retries them.</param>
public sealed record SynthesisSummary(
    int Recorded,
    int SftRows,
    int PreferenceRows,
    int UnchangedPairs,
    int Fallbacks,
    int SkippedAlreadyDone,
    int SkippedDuplicates,
    int SkippedInvalid,
    int Failed);
