// Weak-to-strong end to end on tiny models: a small "strong" model learns from flawed upstream answers, the shipped
// demo corrector corrects its answers, and the strong model is trained on the corrections (SFT, then DPO).
// Its held-out metrics before and after are printed as a Markdown table.
//
// dotnet run --project samples/WeakToStrong [-- [--quick] <corrector folder> <dataset folder> <work folder>]
// (--quick: CI-sized run of a couple of minutes instead of about ten)
using Aligner.Samples.Demonstration;
using Aligner.Training.WeakToStrong;
using Microsoft.Extensions.Logging;

bool quick = args.Contains("--quick");
args = [.. args.Where(a => a != "--quick")];

var corrector = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "models", "aligner-demo");
var dataset = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "data", "aligner-demo");
var work = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "aligner-weak-to-strong");

using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
var logger = loggers.CreateLogger("weak-to-strong");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var options = new WeakToStrongDemonstrationOptions
{
    CorrectorFolder = corrector,
    DatasetFolder = dataset,
    WorkFolder = work,
};
if (quick)
{
    options = options with
    {
        UpstreamTrainingRows = 400, SynthesisRows = 96, EvaluationRows = 64, UpstreamEpochs = 1, SftEpochs = 1, MaxNewTokens = 40,
    };
}
var result = await WeakToStrongDemonstration.RunAsync(options, logger, cancel.Token);

Console.WriteLine();
Console.WriteLine(result.ToMarkdown());
Console.WriteLine($"Models and data: {work}");
