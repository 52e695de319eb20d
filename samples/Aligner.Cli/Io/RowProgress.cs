using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Aligner.Cli.Io;

/// <summary>
/// Progress of a row-by-row job on stderr (stdout stays free for results): a live bar on a terminal, plain lines
/// (at most one a second, and one at the end) when stderr is redirected.
/// </summary>
internal static class RowProgress
{
    /// <summary>Runs <paramref name="work"/>, which reports the number of finished rows through the callback it is given.</summary>
    public static async Task<T> RunAsync<T>(string label, int total, int alreadyDone, Func<Action<int>, Task<T>> work)
    {
        if (Console.IsErrorRedirected) return await RunPlainAsync(label, total, alreadyDone, work);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(label), maxValue: Math.Max(total, 1));
                task.Value = alreadyDone;
                return await work(done => task.Value = done);
            });
    }

    private static async Task<T> RunPlainAsync<T>(string label, int total, int alreadyDone, Func<Action<int>, Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        var lastPrinted = TimeSpan.Zero;
        int last = alreadyDone;
        void Print(int done)
        {
            double perSecond = (done - alreadyDone) / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            var eta = perSecond > 0 ? $", about {Math.Ceiling((total - done) / perSecond).ToString(CultureInfo.InvariantCulture)} s left" : "";
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: {done}/{total} rows ({perSecond:F1} rows/s{eta})"));
        }
        var result = await work(done =>
        {
            last = done;
            if (clock.Elapsed - lastPrinted < TimeSpan.FromSeconds(1) && done < total) return;
            lastPrinted = clock.Elapsed;
            Print(done);
        });
        if (clock.Elapsed - lastPrinted >= TimeSpan.FromSeconds(1) || lastPrinted == TimeSpan.Zero) Print(last);
        return result;
    }
}
