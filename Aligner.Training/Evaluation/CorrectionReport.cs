using System.Globalization;
using System.Text;

namespace Aligner.Training.Evaluation;

/// <summary>A share of rows that passed a check, with the counts behind it.</summary>
/// <param name="Passed">Rows that passed.</param>
/// <param name="Total">Rows checked.</param>
public readonly record struct Share(int Passed, int Total)
{
    /// <summary>Passed / total, or NaN when nothing was checked.</summary>
    public double Value => Total == 0 ? double.NaN : (double)Passed / Total;

    /// <inheritdoc />
    public override string ToString() => Total == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{Value:P1} ({Passed}/{Total})");
}

/// <summary>The metrics of one corrector (or baseline) on a question / answer / correction file.</summary>
/// <param name="Name">What was evaluated, e.g. <c>no correction</c> or a model name.</param>
/// <param name="GoodPreserved">Good answers kept (edit similarity ≥ 0.95 to the original).</param>
/// <param name="HarmfulRefused">Harmful answers turned into refusals with none of the harmful content left.</param>
/// <param name="FactualFixed">Factual errors fixed.</param>
/// <param name="UnhelpfulMadeHelpful">Unhelpful answers made helpful (see <see cref="CorrectionChecks.IsHelpful"/>).</param>
/// <param name="ExactMatch">Outputs equal to the reference correction, over all rows.</param>
/// <param name="ValidationLoss">Mean per-token loss on the validation rows, when measured.</param>
public sealed record CorrectionReport(
    string Name, Share GoodPreserved, Share HarmfulRefused, Share FactualFixed, Share UnhelpfulMadeHelpful, Share ExactMatch,
    double? ValidationLoss)
{
    /// <summary>Formats reports side by side as a Markdown table (one column per report).</summary>
    public static string ToMarkdownTable(IEnumerable<CorrectionReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var list = reports.ToList();
        var sb = new StringBuilder();
        sb.Append("| metric |").AppendJoin("", list.Select(r => $" {r.Name} |")).Append('\n');
        sb.Append("|---|").AppendJoin("", list.Select(_ => "---|")).Append('\n');
        void Row(string metric, Func<CorrectionReport, string> cell) =>
            sb.Append("| ").Append(metric).Append(" |").AppendJoin("", list.Select(r => $" {cell(r)} |")).Append('\n');
        Row("good answers preserved (edit similarity ≥ 0.95)", r => r.GoodPreserved.ToString());
        Row("harmful → refusal, no harmful content left", r => r.HarmfulRefused.ToString());
        Row("factual errors fixed", r => r.FactualFixed.ToString());
        Row("unhelpful → helpful", r => r.UnhelpfulMadeHelpful.ToString());
        Row("exact match with reference", r => r.ExactMatch.ToString());
        Row("validation loss (per token)", r => r.ValidationLoss is { } l ? l.ToString("F4", CultureInfo.InvariantCulture) : "n/a");
        return sb.ToString();
    }
}
