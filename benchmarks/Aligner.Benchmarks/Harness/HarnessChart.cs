using Aligner.Benchmarks.Measurement;

namespace Aligner.Benchmarks.Harness;

/// <summary>Draws a harness report as grouped bars: each backend's speed relative to llama.cpp f32 for prefill, batch-1 decode and batched decode.</summary>
public static class HarnessChart
{
    /// <summary>Writes the PNG; returns <see langword="false"/> when there is no llama.cpp f32 reference to divide by.</summary>
    public static bool Save(HarnessReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        var reference = report.Reference;
        if (reference is null) return false;
        var rows = report.Backends.Where(b => b.Succeeded).ToList();
        string[] groups = ["prefill", "decode, batch 1", $"decode, batch {report.Options.BatchSize}"];
        var palette = new ScottPlot.Palettes.Category10();
        var plot = new ScottPlot.Plot();
        var bars = new List<ScottPlot.Bar>();
        for (int r = 0; r < rows.Count; r++)
        {
            double[] values =
            [
                rows[r].PrefillTokensPerSecond / reference.PrefillTokensPerSecond,
                rows[r].DecodeTokensPerSecond / reference.DecodeTokensPerSecond,
                rows[r].BatchDecodeTokensPerSecond / reference.BatchDecodeTokensPerSecond,
            ];
            var color = palette.GetColor(r);
            for (int g = 0; g < groups.Length; g++)
                bars.Add(new ScottPlot.Bar { Position = g * (rows.Count + 1) + r, Value = values[g], FillColor = color, Label = values[g].ToString("F2", System.Globalization.CultureInfo.InvariantCulture) });
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = rows[r].Backend, FillColor = color });
        }
        var series = plot.Add.Bars(bars);
        series.ValueLabelStyle.FontSize = 11;
        plot.Axes.Bottom.SetTicks([.. groups.Select((_, g) => g * (rows.Count + 1) + (rows.Count - 1) / 2.0)], groups);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        var one = plot.Add.HorizontalLine(1);
        one.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Axes.Margins(bottom: 0);
        plot.Title($"{Path.GetFileName(report.Checkpoint)}: speed relative to {BackendFactory.DisplayName(BenchmarkBackend.LlamaCppF32)} ({report.Options.Threads} threads)");
        plot.YLabel("× llama.cpp f32 (higher is faster)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 1000, 560);
        return true;
    }
}
