using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aligner.Training.Judging;

/// <summary>Win rates of one or more pairwise evaluations, as JSON and as a Markdown table.</summary>
/// <param name="Entries">The evaluations.</param>
public sealed record PairwiseEvaluationReport(IReadOnlyList<PairwiseEvaluationEntry> Entries)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>
    /// The report as indented JSON: per entry its name, criterion, counts (<c>wins</c>, <c>losses</c>, <c>ties</c>,
    /// <c>unparsable</c>), <c>winRate</c> (percent, or null) and <c>positionDisagreements</c>; with
    /// <paramref name="includeJudgments"/>, every judgment with the judge's replies too.
    /// </summary>
    /// <param name="includeJudgments">Whether to include every judgment.</param>
    public string ToJson(bool includeJudgments = false)
    {
        var entries = Entries.Select(e => new
        {
            name = e.Name,
            criterion = e.Criterion,
            wins = e.Tally.Wins,
            losses = e.Tally.Losses,
            ties = e.Tally.Ties,
            unparsable = e.Tally.Unparsable,
            winRate = e.Tally.WinRate,
            positionDisagreements = e.PositionDisagreements,
            judgments = includeJudgments ? e.Judgments : null,
        });
        return JsonSerializer.Serialize(new { entries }, JsonOptions);
    }

    /// <summary>The report as a Markdown table: one row per entry, win rate with one decimal (— when undefined).</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("| comparison | criterion | win | lose | equal | unparsable | win rate (%) |\n");
        sb.Append("|---|---|---:|---:|---:|---:|---:|\n");
        foreach (var e in Entries)
        {
            var rate = e.Tally.WinRate is { } w ? w.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) : "—";
            sb.Append(CultureInfo.InvariantCulture,
                $"| {Escape(e.Name)} | {e.Criterion.ToString().ToLowerInvariant()} | {e.Tally.Wins} | {e.Tally.Losses} | {e.Tally.Ties} | {e.Tally.Unparsable} | {rate} |\n");
        }
        return sb.ToString();
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
