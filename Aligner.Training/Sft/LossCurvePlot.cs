namespace Aligner.Training;

/// <summary>Draws a run's loss curve (training loss per step, validation loss where measured) as a PNG.</summary>
public static class LossCurvePlot
{
    /// <summary>The file name used next to a checkpoint.</summary>
    public const string FileName = "loss.png";

    /// <summary>Writes the picture.</summary>
    /// <param name="history">The losses.</param>
    /// <param name="path">The PNG file to write (replaced).</param>
    /// <param name="title">A title, e.g. the model name.</param>
    /// <param name="warmupSteps">Steps of identity warm-up, marked with a vertical line when positive.</param>
    public static void Save(TrainingHistory history, string path, string title, int warmupSteps = 0)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var plot = new ScottPlot.Plot();
        if (history.TrainLoss.Count > 0)
        {
            double[] steps = [.. Enumerable.Range(1, history.TrainLoss.Count).Select(s => (double)s)];
            var train = plot.Add.ScatterLine(steps, history.TrainLoss.ToArray());
            train.LegendText = "training loss";
        }
        if (history.ValidationLoss.Count > 0)
        {
            var validation = plot.Add.Scatter(history.ValidationLoss.Select(v => (double)v.Step).ToArray(), history.ValidationLoss.Select(v => v.Loss).ToArray());
            validation.LegendText = "validation loss";
            validation.MarkerSize = 7;
        }
        if (warmupSteps > 0)
        {
            var line = plot.Add.VerticalLine(warmupSteps + 0.5);
            line.LegendText = "end of identity warm-up";
            line.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        plot.Title(title);
        plot.XLabel("optimizer step");
        plot.YLabel("loss per correction token");
        // Outside the data area: inside, it covered the last validation point (lower right, where a falling loss ends).
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        plot.SavePng(path, 900, 520);
    }
}
