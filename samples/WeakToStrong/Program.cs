// Weak-to-strong end to end on tiny models: a small "strong" model learns from flawed upstream answers, the shipped
// demo corrector corrects its answers, and the strong model is trained on the corrections (SFT, then DPO).
// Its held-out metrics before and after are printed as a Markdown table.
//
// dotnet run --project samples/WeakToStrong [-- <corrector folder> <dataset folder> <work folder>]
using Aligner.Training.WeakToStrong;
using Microsoft.Extensions.Logging;

var corrector = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "models", "aligner-demo");
var dataset = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "data", "aligner-demo");
var work = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "aligner-weak-to-strong");

using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
var logger = loggers.CreateLogger("weak-to-strong");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var result = await WeakToStrongDemonstration.RunAsync(new WeakToStrongDemonstrationOptions
{
    CorrectorFolder = corrector,
    DatasetFolder = dataset,
    WorkFolder = work,
}, logger, cancel.Token);

Console.WriteLine();
Console.WriteLine(result.ToMarkdown());
Console.WriteLine($"Models and data: {work}");
